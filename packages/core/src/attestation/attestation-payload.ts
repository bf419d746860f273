/** Who authorised an attested action; sent as `authorised_by`. */
export interface AuthorisedBy {
  /** The human or service principal, e.g. an e-mail address. */
  readonly identity: string
  /** Their role, e.g. `ml-engineer`. */
  readonly role?: string
  /** The session the action ran in. */
  readonly sessionId?: string
}

/** `authorised_by` as it appears on the wire (snake_case, empty fields left out). */
export interface AuthorisedByWire {
  identity: string
  role?: string
  session_id?: string
}

/** The v2 signature scheme marker: Ed25519 over the RFC 8785 form of the whole record. */
export const SIG_ALG_V2 = 'ed25519-jcs-v2' as const

/**
 * One attestation as sent to `POST /api/workspaces/{ws}/governance/attestations/external` (and as
 * each element of the batch endpoint's `records`). The first block is the Mima wire format the
 * Python SDK 0.3 sends (reference §1.4); the second block holds additive extensions that a server
 * which does not know them ignores.
 */
export interface AttestationPayload {
  system_name: string
  agent_name: string
  tool_name: string
  /** 64 lowercase hex digits (SHA-256), or `""` when unknown. */
  input_hash: string
  /** 64 lowercase hex digits (SHA-256), or `""` when unknown (or the call failed). */
  output_hash: string
  schema_version: 2
  model_id?: string
  /** ISO-8601 UTC time the call started, e.g. `2026-06-20T12:00:00.123Z`. */
  executed_at?: string
  authorised_by?: AuthorisedByWire
  /** Ed25519 signature, 128 lowercase hex digits. */
  witness_sig?: string
  /** Ed25519 public key, 64 lowercase hex digits. */
  verifying_key_hex?: string

  // Extensions (TypeScript SDK). All of them are covered by the v2 signature.
  /** Which message `witness_sig` signs; absent means the legacy `input_hash:output_hash:executed_at`. */
  sig_alg?: typeof SIG_ALG_V2
  /** How long the attested call took, in milliseconds (microsecond precision). */
  duration_ms?: number
  /** The approval token the call presented (see `@mima/approvals`). */
  approval_token?: string
  /** Client-generated UUIDv7; the server stores each key once, so retries never duplicate. */
  idempotency_key?: string
  /** `error` when the attested function threw; absent or `ok` otherwise. */
  outcome?: 'ok' | 'error'
  /** The thrown error's name (`TypeError`, …) when `outcome` is `error`; never its message. */
  error_type?: string

  // Usage and cost (additive, optional; see `AttestationUsage`). Covered by the v2 signature.
  /** The model provider: `openai`, `anthropic`, `google`, … */
  provider?: string
  /** What the call did: `chat.completions`, `responses`, `embeddings`, `messages`, … */
  operation?: string
  /** Input tokens, cached ones included. */
  input_tokens?: number
  /** Output tokens (reasoning tokens included). */
  output_tokens?: number
  /** The part of `input_tokens` served from the provider's prompt cache. */
  cached_tokens?: number
  /** What the call cost in US dollars, from the price table; absent when the model is not priced. */
  cost_usd?: number
  /** The agent session the call belongs to. */
  session_id?: string
  /**
   * The attestation (its idempotency key or server id) of the step that caused this one. Not the
   * same link as `parent_idempotency_key`, which is always a key (decision 0033).
   */
  parent_attestation_id?: string
  /**
   * The `idempotency_key` of the attestation this one belongs to (a framework run, or the model
   * step that asked for a tool call): how `mima.record` links children to their parent. Always a
   * key the SDK made, so it works before the parent reaches the server (decision 0033).
   */
  parent_idempotency_key?: string
  /**
   * Facts about the call that are not hashes: token usage, finish reason, framework run ids, …
   * (JSON only; set by framework integrations through `mima.record`).
   */
  metadata?: Record<string, unknown>
}

/** What the server answers for one attestation (S2), in SDK form. */
export interface AttestationResult {
  /** The server's id; `""` when the attestation was not accepted (yet). */
  readonly attestationId: string
  readonly externalVerified: boolean
  /** `verified`, `attested`, `declared`, … as the server decides. */
  readonly trustTier: string
  /** `ok`, or what went wrong. */
  readonly detail: string
  /** The record's idempotency key. */
  readonly idempotencyKey: string
  /** `sent` (accepted by the server), `queued` (kept in the outbox, will be retried), `rejected` (the server refused it). */
  readonly status: 'sent' | 'queued' | 'rejected'
}

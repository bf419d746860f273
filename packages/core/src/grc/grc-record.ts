/**
 * A GRC evidence record as sent to `POST /api/workspaces/{ws}/governance/grc/evidence`
 * (reference §1.5). Optional fields are left out rather than sent as `null`.
 */
export interface GrcWireRecord {
  /** `ai_risk_assessment`, `model_evaluation`, `human_oversight`, … (see `@mima/grc`). */
  record_type: string
  /** The type-specific content. */
  payload: Record<string, unknown>
  system_name: string
  identity?: string
  resource?: string
  environment?: string
  /** ISO-8601 time the evidence refers to. */
  occurred_at?: string
  /** HMAC-SHA256 hex of {@link grcSigningMessage}; set by `signGrcRecord`. */
  client_sig?: string
  /** Always `hmac-sha256` when `client_sig` is present. */
  client_sig_algo?: 'hmac-sha256'
  /** Client-generated UUIDv7 (extension); the server stores each key once. */
  idempotency_key?: string
}

/** What the server answers for a GRC record, in SDK form (the Python SDK's `GrcResult`). */
export interface GrcResult {
  /** The server's id; `""` when the record was not accepted. */
  readonly recordId: string
  readonly recordType: string
  /** Canonical control ids the record maps to, e.g. `eu_ai_act:art_14` or `iso_42001:6.1.2`. */
  readonly mappedControls: readonly string[]
  /** `ok` on success, otherwise what went wrong. */
  readonly detail: string
}

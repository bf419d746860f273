import type { AttestationPayload } from './attestation/attestation-payload'
import { verifyAttestationSignature } from './attestation/sign-attestation'
import { createMima } from './client/create-mima'
import type { Mima, MimaOptions } from './client/types'
import type { GrcWireRecord } from './grc/grc-record'

/** One request the recorder saw. */
export interface RecordedRequest {
  readonly method: string
  /** Path and query, e.g. `/api/workspaces/ws-test/governance/attestations/batch`. */
  readonly path: string
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON body, or `undefined`. */
  readonly body: unknown
}

/** An HTTP answer, independent of any server framework. */
export interface RecordedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** Options of {@link createMimaRecorder}. */
export interface MimaRecorderOptions {
  /** What `GET /api/me` answers (default `ws-test`). */
  readonly workspaceId?: string
  /** Whether the batch endpoint exists (default true; false answers 404 like an older server). */
  readonly supportsBatch?: boolean
  /** Return a reason to reject an attestation (HTTP 422, or `rejected` in a batch). */
  readonly reject?: (record: AttestationPayload) => string | undefined
  /**
   * Return a reason to refuse an approval token at redemption (HTTP 422
   * `approval_token_invalid`). By default every token redeems once: a second redemption is refused.
   */
  readonly refuseApproval?: (token: string, toolName: string) => string | undefined
}

/**
 * An in-memory Mima server for your own tests: pass `recorder.fetch` to `createMima({ fetch })`
 * (or use {@link createTestMima}) and assert on what was attested. It speaks the same HTTP API
 * as the real server, stores each idempotency key once, answers `verified` for a valid v2 or
 * legacy signature, `declared` for an unsigned record, and rejects a bad signature (422).
 */
export interface MimaRecorder {
  /** A `fetch` that answers from memory. */
  readonly fetch: typeof globalThis.fetch
  readonly workspaceId: string
  /** Accepted attestations, in arrival order, each once. */
  readonly attestations: readonly AttestationPayload[]
  /** Accepted GRC records, in arrival order, each once. */
  readonly evidence: readonly GrcWireRecord[]
  /** Approval tokens redeemed (`POST …/approvals/redeem`), in order, each once. */
  readonly redeemedTokens: readonly string[]
  /** Every request, including duplicates and rejected ones. */
  readonly requests: readonly RecordedRequest[]
  /** Accepted attestations of one tool. */
  attestationsFor(toolName: string): AttestationPayload[]
  /** Answers one request (for wiring the recorder into a real HTTP server). */
  handle(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string,
  ): RecordedResponse
  /** Forgets everything recorded. */
  clear(): void
}

function json(status: number, body: unknown): RecordedResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

function notFound(path: string): RecordedResponse {
  return json(404, { error: { code: 'not_found', message: `No route for ${path}` } })
}

/** Creates an in-memory recorder. */
export function createMimaRecorder(options: MimaRecorderOptions = {}): MimaRecorder {
  const workspaceId = options.workspaceId ?? 'ws-test'
  const attestations: AttestationPayload[] = []
  const evidence: GrcWireRecord[] = []
  const requests: RecordedRequest[] = []
  const seen = new Map<string, string>()
  const redeemedTokens: string[] = []
  const redemptions = new Map<string, { redemptionId: unknown; approvalId: string }>()
  let counter = 0

  function acceptAttestation(record: AttestationPayload): { status: number; body: Record<string, unknown> } {
    if (
      typeof record !== 'object' ||
      record === null ||
      typeof record.tool_name !== 'string' ||
      typeof record.input_hash !== 'string'
    ) {
      return { status: 422, body: { status: 'rejected', reason: 'not an attestation payload' } }
    }
    const reason = options.reject?.(record)
    if (reason !== undefined) return { status: 422, body: { status: 'rejected', reason } }
    const signature = verifyAttestationSignature(record)
    if (signature === 'invalid')
      return { status: 422, body: { status: 'rejected', reason: 'signature_invalid' } }
    const key = record.idempotency_key
    const known = key === undefined ? undefined : seen.get(key)
    if (known !== undefined) {
      return {
        status: 200,
        body: {
          status: 'duplicate',
          attestation_id: known,
          external_verified: signature === 'valid',
          trust_tier: signature === 'valid' ? 'verified' : 'declared',
          detail: 'duplicate',
        },
      }
    }
    counter++
    const id = `att_${counter}`
    if (key !== undefined) seen.set(key, id)
    attestations.push(record)
    return {
      status: 201,
      body: {
        status: 'accepted',
        attestation_id: id,
        external_verified: signature === 'valid',
        trust_tier: signature === 'valid' ? 'verified' : 'declared',
        detail: 'ok',
      },
    }
  }

  function handle(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    bodyText: string,
  ): RecordedResponse {
    let body: unknown
    try {
      body = bodyText ? JSON.parse(bodyText) : undefined
    } catch {
      requests.push({ method, path, headers, body: bodyText })
      return json(400, { error: { code: 'bad_request', message: 'invalid JSON' } })
    }
    requests.push({ method, path, headers, body })
    const bare = path.split('?')[0]?.replace(/^\/api(?=\/)/, '') ?? ''
    if (!(headers.authorization ?? '').startsWith('Bearer ') && headers['x-api-key'] === undefined) {
      return json(401, { error: { code: 'unauthorized', message: 'missing API key' } })
    }
    if (method === 'GET' && bare === '/me') return json(200, { workspace_id: workspaceId })
    const match = /^\/workspaces\/([^/]+)\/governance\/(.+)$/.exec(bare)
    if (!match || decodeURIComponent(match[1] as string) !== workspaceId) return notFound(path)
    const rest = match[2]
    if (method === 'POST' && rest === 'attestations/external') {
      const { status, body: answer } = acceptAttestation(body as AttestationPayload)
      return status >= 400
        ? json(status, { error: { code: 'validation_failed', message: String(answer.reason) } })
        : json(status, answer)
    }
    if (method === 'POST' && rest === 'attestations/batch') {
      if (options.supportsBatch === false) return notFound(path)
      const records = (body as { records?: unknown })?.records
      if (!Array.isArray(records))
        return json(400, { error: { code: 'bad_request', message: 'records must be an array' } })
      const results = records.map((record) => acceptAttestation(record as AttestationPayload).body)
      const rejected = results.filter((result) => result.status === 'rejected').length
      return json(200, { accepted: records.length - rejected, rejected, results })
    }
    if (method === 'POST' && rest === 'approvals/redeem') {
      const request = (body ?? {}) as {
        token?: unknown
        tool_name?: unknown
        context_hash?: unknown
        redemption_id?: unknown
      }
      if (
        typeof request.token !== 'string' ||
        request.token === '' ||
        typeof request.tool_name !== 'string'
      ) {
        return json(400, {
          error: { code: 'validation_failed', message: 'token and tool_name are required' },
        })
      }
      const refusal = (message: string): RecordedResponse =>
        json(422, { error: { code: 'approval_token_invalid', message } })
      const earlier = redemptions.get(request.token)
      if (earlier !== undefined && earlier.redemptionId !== request.redemption_id)
        return refusal('approval_token was already used; a token is valid once.')
      const reason =
        earlier === undefined ? options.refuseApproval?.(request.token, request.tool_name) : undefined
      if (reason !== undefined) return refusal(reason)
      let redemption = earlier
      if (redemption === undefined) {
        counter++
        redemption = { redemptionId: request.redemption_id, approvalId: `apr_${counter}` }
        redemptions.set(request.token, redemption)
        redeemedTokens.push(request.token)
      }
      return json(200, {
        status: 'redeemed',
        approval_id: redemption.approvalId,
        redemption_id: request.redemption_id,
        action_type: request.tool_name,
        ...(typeof request.context_hash === 'string' ? { context_hash: request.context_hash } : {}),
        redeemed_at: new Date().toISOString(),
      })
    }
    if (method === 'POST' && rest === 'grc/evidence') {
      const record = body as GrcWireRecord
      if (typeof record?.record_type !== 'string' || typeof record.payload !== 'object') {
        return json(422, {
          error: { code: 'validation_failed', message: 'record_type and payload are required' },
        })
      }
      const key = record.idempotency_key
      const known = key === undefined ? undefined : seen.get(key)
      if (known !== undefined)
        return json(200, { record_id: known, record_type: record.record_type, mapped_controls: [] })
      counter++
      const id = `rec_${counter}`
      if (key !== undefined) seen.set(key, id)
      evidence.push(record)
      return json(201, { record_id: id, record_type: record.record_type, mapped_controls: [] })
    }
    return notFound(path)
  }

  const fetchImplementation = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const request = new Request(input, init)
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    const url = new URL(request.url)
    const answer = handle(request.method, url.pathname + url.search, headers, await request.text())
    return new Response(answer.body, { status: answer.status, headers: answer.headers })
  }

  return {
    fetch: fetchImplementation as typeof globalThis.fetch,
    workspaceId,
    attestations,
    evidence,
    redeemedTokens,
    requests,
    attestationsFor: (toolName) => attestations.filter((record) => record.tool_name === toolName),
    handle,
    clear() {
      attestations.length = 0
      evidence.length = 0
      requests.length = 0
      redeemedTokens.length = 0
      redemptions.clear()
      seen.clear()
    },
  }
}

/**
 * A client wired to a fresh recorder: no network, no disk (the outbox stays in memory),
 * `onError: 'raise'` so test failures are loud, and no exit hooks.
 *
 * @example
 * ```ts
 * const { mima, recorder } = createTestMima({ systemName: 'loan-scorer' })
 * await mima.attest('classify', async (text: string) => text.length)('hello')
 * expect(recorder.attestationsFor('classify')).toHaveLength(1)
 * ```
 */
export function createTestMima(options: MimaOptions & { readonly recorder?: MimaRecorderOptions } = {}): {
  mima: Mima
  recorder: MimaRecorder
} {
  const { recorder: recorderOptions, ...mimaOptions } = options
  const recorder = createMimaRecorder(recorderOptions)
  const mima = createMima({
    apiKey: 'mima_test_key',
    systemName: 'test-system',
    baseUrl: 'http://mima.test',
    workspaceId: recorder.workspaceId,
    onError: 'raise',
    flushOnExit: false,
    configFile: false,
    env: {},
    ...mimaOptions,
    fetch: recorder.fetch,
    outbox: { directory: false, ...mimaOptions.outbox },
  })
  return { mima, recorder }
}

import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import type { GrcWireRecord } from '../grc/grc-record'
import { VERSION } from '../version'
import { errorFromResponse } from './error-from-response'

/** How requests are retried; POSTs are safe to retry because every record has an idempotency key. */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly limit?: number
  /** Upper bound of one backoff delay in ms (default 10 000). */
  readonly backoffLimit?: number
  /** Upper bound of a `Retry-After` wait in ms (default 60 000). */
  readonly maxRetryAfter?: number
}

export interface TransportOptions {
  readonly baseUrl: string
  readonly apiKey: string
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Per-attempt timeout in ms (default 15 000). */
  readonly timeout?: number | undefined
  readonly retry?: RetryOptions | undefined
}

/** The server's answer to one attestation (S2). */
export interface AttestationResponse {
  attestation_id?: string
  external_verified?: boolean
  trust_tier?: string
  detail?: string
}

/** The server's answer to the batch endpoint (S3). */
export interface BatchResponse {
  accepted?: number
  rejected?: number
  results?: Array<{
    status?: string
    reason?: string
    attestation_id?: string
    idempotency_key?: string
  }>
}

/** The server's answer to a GRC record (S4). */
export interface EvidenceResponse {
  record_id?: string
  record_type?: string
  mapped_controls?: string[]
  detail?: string
}

/** The server's answer to an approval redemption (`POST …/approvals/redeem`). */
export interface RedemptionResponse {
  status?: string
  approval_id?: string
  redemption_id?: string
  action_type?: string
  context_hash?: string
  approved_by?: string
  redeemed_at?: string
}

/** What an approval redemption sends. */
export interface RedemptionRequest {
  token: string
  tool_name: string
  context_hash?: string
  /** Client-chosen: a retry of the same redemption (its answer lost) is answered again. */
  redemption_id: string
}

export interface Transport {
  /** The same endpoints with one attempt and a 5 s timeout (for the last flush at process exit). */
  readonly quick: Omit<Transport, 'quick'>
  me(): Promise<{ workspace_id?: string }>
  postAttestation(workspaceId: string, record: AttestationPayload): Promise<AttestationResponse>
  postBatch(workspaceId: string, records: readonly AttestationPayload[]): Promise<BatchResponse>
  postEvidence(workspaceId: string, record: GrcWireRecord): Promise<EvidenceResponse>
  /** Redeems an approval token before the action it approves runs. */
  redeemApproval(workspaceId: string, body: RedemptionRequest): Promise<RedemptionResponse>
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504]

/**
 * The HTTP client (ky): Bearer auth, per-attempt timeout, retries with exponential backoff and
 * jitter on network errors, 408, 429 and 5xx, honouring `Retry-After` in seconds or as an HTTP
 * date. Every failure becomes a {@link MimaError}.
 */
export function createTransport(options: TransportOptions): Transport {
  const retry = options.retry ?? {}
  const client: KyInstance = ky.create({
    prefixUrl: options.baseUrl,
    headers: {
      authorization: `Bearer ${options.apiKey}`,
      'x-mima-client': `mima-typescript/${VERSION}`,
    },
    timeout: options.timeout ?? 15_000,
    retry: {
      limit: retry.limit ?? 3,
      methods: ['get', 'post'],
      statusCodes: RETRY_STATUS,
      afterStatusCodes: [429, 503],
      backoffLimit: retry.backoffLimit ?? 10_000,
      maxRetryAfter: retry.maxRetryAfter ?? 60_000,
      jitter: true,
      retryOnTimeout: true,
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  const quickClient: KyInstance = client.extend({
    retry: { limit: 0 },
    timeout: Math.min(options.timeout ?? 15_000, 5_000),
  })

  async function request<T>(
    http: KyInstance,
    what: string,
    path: string,
    init: { method: 'get' | 'post'; json?: unknown; idempotencyKey?: string | undefined },
  ): Promise<T> {
    try {
      const response = await http(path, {
        method: init.method,
        ...(init.json === undefined ? {} : { json: init.json }),
        ...(init.idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': init.idempotencyKey } }),
      })
      const text = await response.text()
      return (text ? JSON.parse(text) : {}) as T
    } catch (error) {
      if (error instanceof HTTPError) {
        const text = await error.response.text().catch(() => '')
        throw errorFromResponse(error.response.status, text, what)
      }
      if (error instanceof TimeoutError) {
        throw new MimaError('timeout', `${what} timed out after ${options.timeout ?? 15_000} ms`, {
          cause: error,
        })
      }
      if (error instanceof SyntaxError) {
        throw new MimaError('server_error', `${what}: the server answered with invalid JSON`, {
          cause: error,
        })
      }
      if (MimaError.isInstance(error)) throw error
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error)
      throw new MimaError('network_error', `${what} error: cannot reach ${options.baseUrl} (${reason})`, {
        cause: error,
      })
    }
  }

  const workspacePath = (workspaceId: string, rest: string): string =>
    `api/workspaces/${encodeURIComponent(workspaceId)}/governance/${rest}`

  const endpoints = (http: KyInstance): Omit<Transport, 'quick'> => ({
    me: () => request(http, 'Workspace lookup (GET /api/me)', 'api/me', { method: 'get' }),
    postAttestation: (workspaceId, record) =>
      request(http, 'Attestation push', workspacePath(workspaceId, 'attestations/external'), {
        method: 'post',
        json: record,
        idempotencyKey: record.idempotency_key,
      }),
    postBatch: (workspaceId, records) =>
      request(http, 'Batch push', workspacePath(workspaceId, 'attestations/batch'), {
        method: 'post',
        json: { records },
      }),
    postEvidence: (workspaceId, record) =>
      request(http, 'GRC push', workspacePath(workspaceId, 'grc/evidence'), {
        method: 'post',
        json: record,
        idempotencyKey: record.idempotency_key,
      }),
    redeemApproval: (workspaceId, body) =>
      request(http, 'Approval redemption', workspacePath(workspaceId, 'approvals/redeem'), {
        method: 'post',
        json: body,
      }),
  })
  return { ...endpoints(client), quick: endpoints(quickClient) }
}

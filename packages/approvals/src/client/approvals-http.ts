import { isMimaErrorCode, MimaError, type MimaErrorCode } from '@mima/core'

/** Where and as whom the approvals client talks to the server. */
export interface ApprovalsConnection {
  /** The server's base URL, with or without a trailing `/api`. */
  readonly baseUrl: string
  /** A workspace API key (`ingest` to request approvals; `approver` or `admin` to decide). */
  readonly apiKey: string
  /** The workspace; resolved once through `GET /api/me` when omitted. */
  readonly workspaceId?: string
  /** Resolves the workspace (a core client's `workspaceId()`); wins over `GET /api/me`. */
  readonly resolveWorkspaceId?: () => Promise<string>
  /** The reporting system, written into the `human_oversight` evidence. */
  readonly systemName?: string
  /** The agent, sent with approval requests so approvers see who asks. */
  readonly agentName?: string
  /** The person the agent acts for (a core client's `authorisedBy` identity), shown to approvers. */
  readonly requestedFor?: string
  /** A `fetch` implementation (defaults to the global one). */
  readonly fetch?: typeof globalThis.fetch
}

/** A request through {@link ApprovalsHttp}. */
export interface ApprovalsRequest {
  readonly method: 'GET' | 'POST'
  /** Path below `/api/workspaces/{ws}/governance/approvals`, e.g. `''` or `/{id}/decide`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: unknown
  readonly signal?: AbortSignal
}

/** A JSON answer with the headers the long-poll detection reads. */
export interface ApprovalsResponse<T> {
  readonly data: T
  readonly headers: Headers
}

function statusToCode(status: number): MimaErrorCode {
  if (status === 400 || status === 422) return 'bad_request'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 408) return 'timeout'
  if (status === 409) return 'conflict'
  if (status === 413) return 'payload_too_large'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  return 'bad_request'
}

function normaliseBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/api$/, '')
}

/** The one place HTTP answers of the approvals API become values or {@link MimaError}s. */
export class ApprovalsHttp {
  readonly connection: ApprovalsConnection
  readonly #baseUrl: string
  readonly #fetch: typeof globalThis.fetch
  #workspaceId: Promise<string> | undefined

  constructor(connection: ApprovalsConnection) {
    if (!connection.apiKey) {
      throw new MimaError('config_missing', 'An API key is required: pass apiKey or set MIMA_API_KEY.')
    }
    if (!connection.baseUrl) {
      throw new MimaError('config_missing', 'A base URL is required: pass baseUrl or set MIMA_BASE_URL.')
    }
    this.connection = connection
    this.#baseUrl = normaliseBaseUrl(connection.baseUrl)
    this.#fetch = connection.fetch ?? globalThis.fetch.bind(globalThis)
    if (connection.workspaceId) this.#workspaceId = Promise.resolve(connection.workspaceId)
  }

  /** The workspace id, resolved through `GET /api/me` once when it was not configured. */
  workspaceId(signal?: AbortSignal): Promise<string> {
    if (!this.#workspaceId && this.connection.resolveWorkspaceId) {
      const resolving = this.connection.resolveWorkspaceId()
      resolving.catch(() => {
        if (this.#workspaceId === resolving) this.#workspaceId = undefined
      })
      this.#workspaceId = resolving
    }
    if (!this.#workspaceId) {
      const resolving = this.#send<{ workspace_id?: unknown }>('GET', `${this.#baseUrl}/api/me`, {
        ...(signal === undefined ? {} : { signal }),
      }).then(({ data }) => {
        if (typeof data.workspace_id !== 'string' || data.workspace_id === '') {
          throw new MimaError('config_missing', 'GET /api/me returned no workspace_id: pass workspaceId.')
        }
        return data.workspace_id
      })
      // Do not cache a failure: the next call tries again.
      resolving.catch(() => {
        if (this.#workspaceId === resolving) this.#workspaceId = undefined
      })
      this.#workspaceId = resolving
    }
    return this.#workspaceId
  }

  /** Sends one request to the approvals API of the configured workspace. */
  async request<T>(request: ApprovalsRequest): Promise<ApprovalsResponse<T>> {
    const workspaceId = await this.workspaceId(request.signal)
    const url = new URL(
      `${this.#baseUrl}/api/workspaces/${encodeURIComponent(workspaceId)}/governance/approvals${request.path}`,
    )
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value)
    }
    return this.#send<T>(request.method, url.toString(), {
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    })
  }

  async #send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: { body?: unknown; signal?: AbortSignal },
  ): Promise<ApprovalsResponse<T>> {
    let response: Response
    try {
      response = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.connection.apiKey}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error
      throw new MimaError('network_error', `Could not reach the Mima server at ${url}: ${String(error)}`, {
        cause: error,
      })
    }
    const text = await response.text()
    let data: unknown
    try {
      data = text === '' ? {} : JSON.parse(text)
    } catch (error) {
      throw new MimaError(
        response.ok ? 'server_error' : statusToCode(response.status),
        `${method} ${url} answered HTTP ${response.status} with a body that is not JSON.`,
        { cause: error, status: response.status },
      )
    }
    if (!response.ok) {
      const body = (data ?? {}) as { error?: { code?: unknown; message?: unknown; request_id?: unknown } }
      const code = isMimaErrorCode(body.error?.code) ? body.error.code : statusToCode(response.status)
      const message =
        typeof body.error?.message === 'string' ? body.error.message : `HTTP ${response.status}: ${text}`
      const retryAfter = response.headers.get('retry-after')
      throw new MimaError(code, message, {
        status: response.status,
        ...(typeof body.error?.request_id === 'string' ? { requestId: body.error.request_id } : {}),
        ...(retryAfter === null ? {} : { details: { retry_after: retryAfter } }),
        ...(response.status === 429 || response.status >= 500 ? { retryable: true } : {}),
      })
    }
    return { data: data as T, headers: response.headers }
  }
}

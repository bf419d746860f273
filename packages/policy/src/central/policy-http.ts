import { isMimaErrorCode, MimaError } from '@mima/core'

/** Where the central policies are: a core client made by `createMima`, or explicit settings. */
export type PolicyServerSource =
  | {
      readonly baseUrl: string
      readonly apiKey: string
      /** Resolved through `GET /api/me` when omitted. */
      readonly workspaceId?: string
      readonly fetch?: typeof globalThis.fetch
    }
  | object

interface CoreConnection {
  baseUrl: string
  apiKey: string
  fetch?: typeof globalThis.fetch
  workspaceId?: () => Promise<string>
}

const CONNECTION = Symbol.for('mima.connection')
const TIMEOUT_MS = 10_000

/** One answer of the server. */
export interface PolicyHttpResponse<T> {
  readonly status: number
  readonly data: T
  readonly headers: Headers
}

/** A small HTTP client for the workspace's policy routes. */
export class PolicyHttp {
  readonly baseUrl: string
  readonly #apiKey: string
  readonly #fetch: typeof globalThis.fetch
  #workspaceId: Promise<string> | undefined
  readonly #resolveWorkspace: (() => Promise<string>) | undefined

  constructor(source: PolicyServerSource) {
    const core = (source as Record<symbol, CoreConnection | undefined>)[CONNECTION]
    const explicit = source as { baseUrl?: unknown; apiKey?: unknown; workspaceId?: unknown; fetch?: unknown }
    const baseUrl = core?.baseUrl ?? explicit.baseUrl
    const apiKey = core?.apiKey ?? explicit.apiKey
    if (typeof baseUrl !== 'string' || baseUrl === '' || typeof apiKey !== 'string' || apiKey === '') {
      throw new MimaError(
        'config_missing',
        'The policy client needs a client made by createMima() or { baseUrl, apiKey } settings.',
      )
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '').replace(/\/api$/, '')
    this.#apiKey = apiKey
    const fetchFunction = core?.fetch ?? (explicit.fetch as typeof globalThis.fetch | undefined)
    this.#fetch = fetchFunction ?? globalThis.fetch.bind(globalThis)
    if (typeof explicit.workspaceId === 'string' && explicit.workspaceId !== '') {
      this.#workspaceId = Promise.resolve(explicit.workspaceId)
    }
    this.#resolveWorkspace = core?.workspaceId
  }

  /** The workspace id (resolved once, through the core client or `GET /api/me`). */
  workspaceId(): Promise<string> {
    if (this.#workspaceId === undefined) {
      const resolving =
        this.#resolveWorkspace?.() ??
        this.send<{ workspace_id?: unknown }>('GET', '/api/me').then(({ data }) => {
          if (typeof data.workspace_id !== 'string' || data.workspace_id === '') {
            throw new MimaError('config_missing', 'GET /api/me returned no workspace_id: pass workspaceId.')
          }
          return data.workspace_id
        })
      resolving.catch(() => {
        if (this.#workspaceId === resolving) this.#workspaceId = undefined
      })
      this.#workspaceId = resolving
    }
    return this.#workspaceId
  }

  /** A request to `/api/workspaces/<ws><path>`. */
  async workspace<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<PolicyHttpResponse<T>> {
    const workspaceId = await this.workspaceId()
    return this.send<T>(method, `/api/workspaces/${encodeURIComponent(workspaceId)}${path}`, options)
  }

  /** Sends one request; a non-2xx (other than 304) throws a `MimaError` with the server's code. */
  async send<T>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<PolicyHttpResponse<T>> {
    const url = `${this.baseUrl}${path}`
    let response: Response
    try {
      response = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      throw new MimaError('network_error', `Could not reach the Mima server at ${url}: ${String(error)}`, {
        cause: error,
      })
    }
    const text = await response.text()
    let data: unknown
    try {
      data = text === '' ? undefined : JSON.parse(text)
    } catch {
      data = text
    }
    if (response.ok || response.status === 304)
      return { status: response.status, data: data as T, headers: response.headers }
    const error = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
      ?.error
    const code = isMimaErrorCode(error?.code)
      ? error.code
      : response.status >= 500
        ? 'server_error'
        : 'bad_request'
    throw new MimaError(
      code,
      typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${response.status}.`,
      {
        status: response.status,
        ...(typeof error?.details === 'object' && error.details !== null
          ? { details: error.details as Record<string, unknown> }
          : {}),
        ...(response.status >= 500 || response.status === 429 ? { retryable: true } : {}),
      },
    )
  }
}

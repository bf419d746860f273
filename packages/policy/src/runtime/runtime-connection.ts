import { isMimaErrorCode, MimaError, type MimaErrorCode } from '@mima/core'

/** Where the runtime controls reach the Mima server. Falls back to `MIMA_*` environment variables. */
export interface RuntimeConnectionOptions {
  /** Server URL, with or without `/api` (env `MIMA_BASE_URL`). */
  readonly baseUrl?: string | undefined
  /** Workspace API key (env `MIMA_API_KEY`); an `ingest` key is enough. */
  readonly apiKey?: string | undefined
  /** Workspace id (env `MIMA_WORKSPACE_ID`; otherwise asked once from `GET /api/me`). */
  readonly workspaceId?: string | undefined
  /** A `fetch` implementation (default the global one). */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Per-request timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number | undefined
  /** Environment to read fallbacks from (default `process.env` where there is one). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/** A small JSON client for the runtime-control routes of one workspace. */
export interface RuntimeConnection {
  /** `http://host:port/api` */
  readonly apiUrl: string
  readonly apiKey: string
  readonly fetch: typeof globalThis.fetch
  /** The workspace id (resolved once). */
  workspaceId(): Promise<string>
  /** `{apiUrl}/workspaces/{ws}/{path}` */
  workspaceUrl(path: string): Promise<string>
  /** Sends a JSON request to a workspace route; throws a {@link MimaError} with the server's code. */
  request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T>
}

const defaultEnv = (): Readonly<Record<string, string | undefined>> =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}

/** The error a non-2xx answer becomes (the server's `{ error: { code, message } }` when present). */
export async function errorFromResponse(response: Response): Promise<MimaError> {
  let body: { error?: { code?: unknown; message?: unknown; request_id?: unknown; details?: unknown } } = {}
  try {
    body = (await response.json()) as typeof body
  } catch {}
  const code: MimaErrorCode = isMimaErrorCode(body.error?.code)
    ? body.error.code
    : response.status >= 500
      ? 'server_error'
      : 'bad_request'
  const message =
    typeof body.error?.message === 'string' ? body.error.message : `The server answered ${response.status}.`
  return new MimaError(code, message, {
    status: response.status,
    ...(typeof body.error?.request_id === 'string' ? { requestId: body.error.request_id } : {}),
    ...(typeof body.error?.details === 'object' && body.error.details !== null
      ? { details: body.error.details as Record<string, unknown> }
      : {}),
  })
}

/**
 * Builds a {@link RuntimeConnection}. Throws `config_missing` when no API key or server URL can
 * be found.
 */
export function createRuntimeConnection(options: RuntimeConnectionOptions = {}): RuntimeConnection {
  const env = options.env ?? defaultEnv()
  const apiKey = options.apiKey ?? env.MIMA_API_KEY
  if (apiKey === undefined || apiKey === '')
    throw new MimaError('config_missing', 'MIMA_API_KEY is not set: pass apiKey (an ingest key is enough).')
  const base = options.baseUrl ?? env.MIMA_BASE_URL
  if (base === undefined || !/^https?:\/\//.test(base))
    throw new MimaError(
      'config_missing',
      'MIMA_BASE_URL is not set: pass baseUrl, the http(s) address of your Mima server.',
    )
  const apiUrl = `${base.replace(/\/+$/, '').replace(/\/api$/, '')}/api`
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const timeoutMs = options.timeoutMs ?? 10_000
  let workspace: Promise<string> | undefined =
    (options.workspaceId ?? env.MIMA_WORKSPACE_ID)
      ? Promise.resolve((options.workspaceId ?? env.MIMA_WORKSPACE_ID) as string)
      : undefined
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }

  const send = async <T>(method: string, url: string, body: unknown, signal?: AbortSignal): Promise<T> => {
    let response: Response
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal:
          signal === undefined
            ? AbortSignal.timeout(timeoutMs)
            : AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      })
    } catch (error) {
      throw new MimaError('network_error', `The Mima server at ${apiUrl} could not be reached.`, {
        cause: error,
      })
    }
    if (!response.ok) throw await errorFromResponse(response)
    if (response.status === 204) return undefined as T
    return (await response.json()) as T
  }

  const workspaceId = (): Promise<string> => {
    workspace ??= send<{ workspace_id?: string }>('GET', `${apiUrl}/me`, undefined).then((me) => {
      if (typeof me.workspace_id !== 'string')
        throw new MimaError('config_missing', 'GET /api/me named no workspace.')
      return me.workspace_id
    })
    workspace.catch(() => {
      workspace = undefined
    })
    return workspace
  }
  const workspaceUrl = async (path: string): Promise<string> =>
    `${apiUrl}/workspaces/${encodeURIComponent(await workspaceId())}/${path}`

  return {
    apiUrl,
    apiKey,
    fetch: fetchImpl,
    workspaceId,
    workspaceUrl,
    async request(method, path, body, signal) {
      return send(method, await workspaceUrl(path), body, signal)
    },
  }
}

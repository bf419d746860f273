import { isMimaErrorCode, type MimaErrorCode } from '@mima/core'
import { CliError } from '../cli/cli-error'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { VERSION } from '../version'

/** Options for {@link createApiClient}. */
export interface ApiClientOptions {
  /** Normalised base URL (no trailing `/api`). */
  baseUrl: string
  apiKey?: string | undefined
  workspaceId?: string | undefined
  /** Per-request timeout, 30 s when omitted (an unreachable server fails at once; this bounds a hung one). */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** Options for one request. */
export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  timeoutMs?: number
  headers?: Record<string, string>
  /** An AbortSignal that ends the request early (Ctrl-C on `approvals watch`). */
  signal?: AbortSignal
}

/** The server answered with an error status. */
export class ApiError extends CliError {
  /** The parsed JSON body, when there was one. */
  readonly body: unknown

  constructor(
    code: MimaErrorCode,
    exitCode: ExitCode,
    message: string,
    options: { status: number; requestId?: string; hint?: string; body: unknown },
  ) {
    super(code, exitCode, message, {
      status: options.status,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
      ...(options.hint === undefined ? {} : { hint: options.hint }),
    })
    this.body = options.body
  }
}

/** A client for the Mima HTTP API with one error mapping for every command. */
export interface ApiClient {
  readonly baseUrl: string
  /** `/api/workspaces/{ws}/{suffix}` for the configured workspace. */
  workspacePath(suffix: string): string
  /** Sends a request and parses the JSON answer; throws {@link ApiError} or a network {@link CliError}. */
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>
  /** Sends a request and returns the raw response (checked for an error status). */
  requestRaw(method: string, path: string, options?: RequestOptions): Promise<Response>
}

const NETWORK_HINT =
  'Check that the server is running (`mima serve` starts one) and that the URL is right ' +
  '(--base-url, MIMA_BASE_URL or `mima login --url`), and any proxy or firewall in between.'

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  if (cause?.code) return cause.code
  if (cause?.message) return cause.message
  return error instanceof Error ? error.message : String(error)
}

function errorFields(body: unknown): { code?: string; message?: string; requestId?: string } {
  if (typeof body !== 'object' || body === null) return {}
  const record = body as Record<string, unknown>
  const nested = record.error
  if (typeof nested === 'object' && nested !== null) {
    const error = nested as Record<string, unknown>
    return {
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.message === 'string' ? { message: error.message } : {}),
      ...(typeof error.request_id === 'string' ? { requestId: error.request_id } : {}),
    }
  }
  if (typeof nested === 'string') return { message: nested }
  if (typeof record.detail === 'string') return { message: record.detail }
  if (typeof record.message === 'string') return { message: record.message }
  return {}
}

function statusCode(status: number): MimaErrorCode {
  if (status === 400) return 'bad_request'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 409) return 'conflict'
  if (status === 413) return 'payload_too_large'
  if (status === 422) return 'validation_failed'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  return 'bad_request'
}

/**
 * Maps an HTTP error answer to the CLI's exit codes: input the server refused (400, 409, 413,
 * 422) exits 1; everything else (401, 403, 404, 429, 5xx) is an API error and exits 3.
 */
export function apiErrorFromResponse(status: number, body: unknown, url: string): ApiError {
  const fields = errorFields(body)
  const code = fields.code !== undefined && isMimaErrorCode(fields.code) ? fields.code : statusCode(status)
  const refused = status === 400 || status === 409 || status === 413 || status === 422
  const serverMessage = fields.message ?? (typeof body === 'string' && body !== '' ? body.slice(0, 200) : '')
  let message: string
  let hint: string | undefined
  if (status === 401) {
    message = `the server refused the API key (401 unauthorized)${serverMessage ? `: ${serverMessage}` : ''}`
    hint = 'Check MIMA_API_KEY, or run `mima login` again with a valid key.'
  } else if (status === 403) {
    message = `this API key may not do that (403 forbidden)${serverMessage ? `: ${serverMessage}` : ''}`
    // The server says why (the requester of an approval can never decide it, an approver hint…);
    // the generic role hint only where the reason is the key's role, or was not given.
    if (serverMessage === '' || /\brole\b/i.test(serverMessage)) {
      hint = 'Use a key with the needed role (admin, approver), or ask a workspace admin.'
    }
  } else if (status === 404) {
    message = `not found (404): ${serverMessage || url}`
    hint =
      'Check the workspace id (`mima whoami`) and the server URL; an older server may lack this endpoint.'
  } else if (status === 429) {
    message = `rate limited by the server (429)${serverMessage ? `: ${serverMessage}` : ''}`
    hint = 'Wait a moment and try again.'
  } else if (status >= 500) {
    message = `the server failed (${status})${serverMessage ? `: ${serverMessage}` : ''}`
    hint = fields.requestId ? `Quote request id ${fields.requestId} when reporting it.` : undefined
  } else {
    message = `the server refused the request (${status})${serverMessage ? `: ${serverMessage}` : ''}`
  }
  return new ApiError(code, refused ? EXIT_CODES.failed : EXIT_CODES.unavailable, message, {
    status,
    body,
    ...(fields.requestId === undefined ? {} : { requestId: fields.requestId }),
    ...(hint === undefined ? {} : { hint }),
  })
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** Creates the {@link ApiClient} a command uses. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const defaultTimeout = options.timeoutMs ?? 30_000

  async function requestRaw(method: string, path: string, request: RequestOptions = {}): Promise<Response> {
    const url = new URL(`${options.baseUrl}${path}`)
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': `mima-cli/${VERSION} node/${process.versions.node}`,
      ...request.headers,
    }
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
    let body: string | null = null
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(request.body)
    }
    const timeout = AbortSignal.timeout(request.timeoutMs ?? defaultTimeout)
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout
    let response: Response
    try {
      response = await fetchImpl(url, { method, headers, body, signal, redirect: 'follow' })
    } catch (error) {
      if (request.signal?.aborted) throw error
      if (timeout.aborted) {
        throw new CliError(
          'timeout',
          EXIT_CODES.unavailable,
          `the Mima server at ${options.baseUrl} did not answer within ${Math.round((request.timeoutMs ?? defaultTimeout) / 1000)} s`,
          { hint: NETWORK_HINT, cause: error },
        )
      }
      throw new CliError(
        'network_error',
        EXIT_CODES.unavailable,
        `could not reach the Mima server at ${options.baseUrl} (${describeNetworkError(error)})`,
        { hint: NETWORK_HINT, cause: error },
      )
    }
    if (!response.ok) {
      throw apiErrorFromResponse(response.status, await readBody(response), url.pathname)
    }
    return response
  }

  return {
    baseUrl: options.baseUrl,
    workspacePath(suffix) {
      if (!options.workspaceId) throw new Error('workspacePath called without a workspace id')
      return `/api/workspaces/${encodeURIComponent(options.workspaceId)}/${suffix.replace(/^\//, '')}`
    },
    requestRaw,
    async request<T>(method: string, path: string, request?: RequestOptions): Promise<T> {
      const response = await requestRaw(method, path, request)
      const body = await readBody(response)
      if (typeof body === 'string') {
        throw new CliError(
          'server_error',
          EXIT_CODES.unavailable,
          `the server at ${options.baseUrl} answered ${path} with something that is not JSON`,
          { hint: 'Is this URL a Mima server? Check --base-url, MIMA_BASE_URL or `mima login --url`.' },
        )
      }
      return body as T
    },
  }
}

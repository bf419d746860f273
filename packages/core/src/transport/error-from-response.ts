import { ERROR_CODES, isMimaErrorCode, type MimaErrorCode } from '../errors/error-codes'
import { MimaError } from '../errors/mima-error'

const STATUS_CODES: Record<number, MimaErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
}

/** The fallback when the server names no code from the table: a code derived from the HTTP status. */
export function codeForStatus(status: number): MimaErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : 'bad_request')
}

/** Whether the same request may succeed later, judged by the HTTP status alone. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500
}

/**
 * The one place an HTTP error answer becomes a {@link MimaError}. The server's own
 * `{ error: { code, message, request_id } }` wins: a code from the table (e.g.
 * `approval_token_invalid`) is kept with the server's message and request id. Without one (another
 * error shape, a code this client does not know, or no JSON), the code comes from the status. A
 * 408, 429 or 5xx answer is always retryable, whatever code it names.
 */
export function errorFromResponse(status: number, bodyText: string, what: string): MimaError {
  let message = bodyText.slice(0, 500)
  let requestId: string | undefined
  let details: Record<string, unknown> | undefined
  let serverCode: MimaErrorCode | undefined
  try {
    const body = JSON.parse(bodyText) as {
      error?: { code?: unknown; message?: unknown; request_id?: unknown } | string
      detail?: unknown
      message?: unknown
    }
    if (typeof body.error === 'object' && body.error !== null) {
      if (isMimaErrorCode(body.error.code)) serverCode = body.error.code
      if (typeof body.error.message === 'string') message = body.error.message
      if (typeof body.error.request_id === 'string') requestId = body.error.request_id
      details = body.error as Record<string, unknown>
    } else if (typeof body.error === 'string') {
      message = body.error
    } else if (typeof body.detail === 'string') {
      message = body.detail
    } else if (typeof body.message === 'string') {
      message = body.message
    }
  } catch {
    // not JSON: keep the text
  }
  const code = serverCode ?? codeForStatus(status)
  const retryable = ERROR_CODES[code].retryable || retryableStatus(status)
  return new MimaError(code, `${what} failed: HTTP ${status}${message ? ` — ${message}` : ''}`, {
    status,
    retryable,
    ...(requestId === undefined ? {} : { requestId }),
    ...(details === undefined ? {} : { details }),
  })
}

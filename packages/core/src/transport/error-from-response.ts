import type { MimaErrorCode } from '../errors/error-codes'
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

/** The one place an HTTP status becomes a Mima error code. */
export function codeForStatus(status: number): MimaErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : 'bad_request')
}

/** What the server said, from `{ error: { code, message, request_id } }`, `{ detail }` or the raw text. */
export function errorFromResponse(status: number, bodyText: string, what: string): MimaError {
  let message = bodyText.slice(0, 500)
  let requestId: string | undefined
  let details: Record<string, unknown> | undefined
  try {
    const body = JSON.parse(bodyText) as {
      error?: { message?: unknown; request_id?: unknown } | string
      detail?: unknown
      message?: unknown
    }
    if (typeof body.error === 'object' && body.error !== null) {
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
  return new MimaError(
    codeForStatus(status),
    `${what} failed: HTTP ${status}${message ? ` — ${message}` : ''}`,
    {
      status,
      ...(requestId === undefined ? {} : { requestId }),
      ...(details === undefined ? {} : { details }),
    },
  )
}

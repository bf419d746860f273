import { MimaError, type MimaErrorCode } from '@mima/core'

const STATUS_BY_CODE: Partial<Record<MimaErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 422,
  signature_invalid: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  server_error: 503,
}

/** The HTTP status the server answers for an error code (500 for codes with no HTTP meaning). */
export function statusForCode(code: MimaErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500
}

/**
 * A `MimaError` carrying the HTTP status it maps to. Throw it from any route; the app's error
 * handler turns it into the JSON error body.
 *
 * @example
 * ```ts
 * throw httpError('validation_failed', 'tool_name must be a non-empty string', { field: 'tool_name' })
 * ```
 */
export function httpError(
  code: MimaErrorCode,
  message: string,
  details?: Record<string, unknown>,
): MimaError {
  return new MimaError(code, message, {
    status: statusForCode(code),
    ...(details === undefined ? {} : { details }),
  })
}

/** The JSON error body every 4xx/5xx carries; `detail` repeats the message for the Python client. */
export interface ErrorBody {
  error: { code: MimaErrorCode; message: string; request_id: string; details?: Record<string, unknown> }
  detail: string
}

/** Builds the {@link ErrorBody} for an error and a request id. */
export function errorBody(error: MimaError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      request_id: requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
    detail: error.message,
  }
}

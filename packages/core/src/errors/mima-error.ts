import { ERROR_CODES, type MimaErrorCode } from './error-codes'

// A registered symbol is the same in every copy of @mima/core (CJS and ESM, two versions),
// so `isInstance` recognises errors thrown by another copy where `instanceof` would not.
const MIMA_ERROR_BRAND = Symbol.for('mima.error')

/** Options shared by every {@link MimaError}. */
export interface MimaErrorOptions {
  /** The underlying error, kept for debugging. */
  cause?: unknown
  /** Overrides the retryability the code table gives. */
  retryable?: boolean
  /** HTTP status, when the error came from (or maps to) an HTTP answer. */
  status?: number
  /** The server's request id, when the error came from the server. */
  requestId?: string
  /** Structured detail (field names, allowed values, server payload). */
  details?: Record<string, unknown>
}

/**
 * The base of every error Mima throws. `code` is stable and comes from one table;
 * `retryable` says whether the same call may succeed later.
 *
 * @example
 * ```ts
 * try {
 *   await mima.flush()
 * } catch (error) {
 *   if (MimaError.isInstance(error) && error.retryable) scheduleRetry()
 * }
 * ```
 */
export class MimaError extends Error {
  readonly code: MimaErrorCode
  readonly retryable: boolean
  readonly status: number | undefined
  readonly requestId: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: MimaErrorCode, message: string, options: MimaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable
    this.status = options.status
    this.requestId = options.requestId
    this.details = options.details
    Object.defineProperty(this, MIMA_ERROR_BRAND, { value: true, enumerable: false })
  }

  /** Whether `value` is a MimaError from any copy of `@mima/core`. */
  static isInstance(value: unknown): value is MimaError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MIMA_ERROR_BRAND] === true
    )
  }

  /** A plain JSON form (what the server sends inside `{ "error": … }`). */
  toJSON(): { code: MimaErrorCode; message: string; request_id?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.requestId === undefined ? {} : { request_id: this.requestId }),
      ...(this.details === undefined ? {} : { details: this.details }),
    }
  }
}

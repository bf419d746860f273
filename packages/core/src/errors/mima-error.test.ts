import { describe, expect, it } from 'vitest'
import { ERROR_CODES, isMimaErrorCode } from './error-codes'
import { MimaError } from './mima-error'

describe('MimaError', () => {
  it('carries a stable code, retryability from the table, and the cause', () => {
    const cause = new Error('socket hang up')
    const error = new MimaError('network_error', 'Could not reach the server', { cause, status: 503 })
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('network_error')
    expect(error.retryable).toBe(true)
    expect(error.cause).toBe(cause)
    expect(error.status).toBe(503)
    expect(error.name).toBe('MimaError')
    expect(new MimaError('validation_failed', 'bad').retryable).toBe(false)
  })

  it('lets a caller override retryability', () => {
    expect(new MimaError('server_error', 'x', { retryable: false }).retryable).toBe(false)
  })

  it('names subclasses after themselves and keeps them recognisable', () => {
    class ApprovalDeniedError extends MimaError {
      constructor() {
        super('approval_denied', 'denied')
      }
    }
    const error = new ApprovalDeniedError()
    expect(error.name).toBe('ApprovalDeniedError')
    expect(MimaError.isInstance(error)).toBe(true)
  })

  it('recognises errors from another copy of the package through the registered brand', () => {
    // A second copy defines its own class; only the Symbol.for brand is shared.
    const foreign = Object.assign(new Error('from another copy'), {
      code: 'timeout',
      [Symbol.for('mima.error')]: true,
    })
    expect(foreign instanceof MimaError).toBe(false)
    expect(MimaError.isInstance(foreign)).toBe(true)
    expect(MimaError.isInstance(new Error('plain'))).toBe(false)
    expect(MimaError.isInstance(null)).toBe(false)
    expect(MimaError.isInstance('timeout')).toBe(false)
  })

  it('serialises to the server error shape', () => {
    const error = new MimaError('not_found', 'No such record', { requestId: 'req_1' })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'not_found',
      message: 'No such record',
      request_id: 'req_1',
    })
  })

  it('knows which strings are codes', () => {
    expect(isMimaErrorCode('rate_limited')).toBe(true)
    expect(isMimaErrorCode('toString')).toBe(false)
    expect(isMimaErrorCode(42)).toBe(false)
    expect(Object.keys(ERROR_CODES).length).toBeGreaterThan(10)
  })
})

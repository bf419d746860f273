import type { MimaError } from '../errors/mima-error'
import { asMimaError, type ReportWhere } from './client-support'
import type { Logger, OnError } from './types'

/** How a client reports failures, by its `onError` option. */
export interface ClientReporter {
  /** `warn` logs, `silent` drops; `raise` throws on a `call` and keeps a `background` failure for flush(). */
  report(error: MimaError, where: ReportWhere): void
  /** A synchronous function cannot await its send: a `raise` failure surfaces from flush()/close(). */
  deferIfRaise(failure: unknown): void
  /** The first failure kept for flush(), forgetting the others. */
  takeDeferred(): MimaError | undefined
}

/** The reporter of one client. */
export function createClientReporter(options: { onError: OnError; logger: Logger }): ClientReporter {
  const { onError, logger } = options
  const deferred: MimaError[] = []
  return {
    report(error, where) {
      if (onError === 'silent') return
      if (onError === 'raise') {
        if (where === 'call') throw error
        if (deferred.length < 100) deferred.push(error)
        return
      }
      logger.warn(`[mima] ${error.message}`)
    },
    deferIfRaise(failure) {
      if (deferred.length < 100) deferred.push(asMimaError(failure, 'Attestation push'))
    },
    takeDeferred() {
      const first = deferred.shift()
      deferred.length = 0
      return first
    },
  }
}

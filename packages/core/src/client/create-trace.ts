import type { AttestationResult } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import { hashValue } from '../hashing/sha256'
import type { AttestClient } from './attest-function'
import { emptyResult } from './attestation-record'
import { authorisedByWire, errorName, monotonic, validateHash } from './client-support'
import type { Trace, TraceOptions } from './types'

/** What a trace needs from its client. */
export type TraceClient = Pick<AttestClient, 'clock' | 'newRecord' | 'submit'>

/** `mima.trace(toolName)`: an attestation whose input, output and outcome are set as the work goes. */
export function createTrace(client: TraceClient, toolName: string, options: TraceOptions): Trace {
  if (typeof toolName !== 'string' || toolName.trim() === '')
    throw new MimaError('validation_failed', 'trace needs a non-empty toolName.')
  const startedAt = client.clock.now()
  const started = monotonic()
  const authorisedBy = authorisedByWire(options.authorisedBy)
  let inputHash = ''
  let outputHash = ''
  let modelId = options.modelId
  let errorType: string | undefined
  let ended: Promise<AttestationResult> | undefined
  const trace: Trace = {
    setInput: (value) => {
      inputHash = hashValue(value)
    },
    setOutput: (value) => {
      outputHash = hashValue(value)
    },
    setInputHash: (hash) => {
      validateHash(hash, 'inputHash')
      inputHash = hash
    },
    setOutputHash: (hash) => {
      validateHash(hash, 'outputHash')
      outputHash = hash
    },
    setModelId: (id) => {
      modelId = id
    },
    fail: (error) => {
      errorType = errorName(error)
    },
    end: () => {
      ended ??= (async () => {
        const record = client.newRecord(toolName, startedAt, {
          inputHash,
          outputHash,
          modelId,
          authorisedBy,
          durationMs: Math.round((monotonic() - started) * 1000) / 1000,
          errorType,
        })
        const sending = client.submit(record, options.mode ?? 'sync', undefined)
        return sending ?? emptyResult(record, 'queued', 'buffered')
      })()
      return ended
    },
    [Symbol.asyncDispose]: async () => {
      await trace.end()
    },
  }
  return trace
}

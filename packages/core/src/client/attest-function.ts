import type { AttestationPayload, AttestationResult } from '../attestation/attestation-payload'
import { type AttestedContext, runAttested } from '../context/attested-context'
import { MimaError } from '../errors/mima-error'
import { type CanonicalSnapshot, captureCanonical, snapshotText } from '../hashing/canonical-json'
import { toHashable } from '../hashing/hashable-value'
import { sha256Hex } from '../hashing/sha256'
import { uuidv7 } from '../ids/uuidv7'
import type { OutboxEntry } from '../outbox/outbox'
import type { NewAttestationRecord } from './attestation-record'
import type { ClientReporter } from './client-reporter'
import {
  approvalParts,
  asMimaError,
  authorisedByWire,
  errorName,
  isPromiseLike,
  monotonic,
  type ReportWhere,
} from './client-support'
import type { ApprovalTokenInput, AttestDecorator, AttestFunction, AttestOptions, Clock } from './types'

/** What `mima.attest` needs from its client. */
export interface AttestClient {
  readonly systemName: string
  readonly clock: Clock
  readonly reporter: ClientReporter
  readonly newRecord: NewAttestationRecord
  enqueue(record: OutboxEntry): void
  submit(
    record: AttestationPayload,
    mode: 'sync' | 'batch',
    approval: ApprovalTokenInput | undefined,
  ): Promise<AttestationResult> | undefined
  redeemApproval(
    token: string,
    toolName: string,
    contextHash: string | undefined,
  ): Promise<{ approvalId: string }>
}

/**
 * `mima.attest`: wraps a function (or decorates a method) so each call runs attested and sends a
 * signed record of its input and output hashes; with an approval token, the call runs only after
 * the server redeemed the token (fail closed).
 */
export function createAttest(client: AttestClient): AttestFunction {
  const { systemName, clock, newRecord, enqueue, submit } = client
  const { report, deferIfRaise } = client.reporter

  function wrap<This, Args extends unknown[], Result>(
    options: AttestOptions<Args, Result>,
    fn: (this: This, ...args: Args) => Result,
  ): (this: This, ...args: Args) => Result {
    const toolName = options.toolName
    if (typeof toolName !== 'string' || toolName.trim() === '') {
      throw new MimaError('validation_failed', 'attest needs a non-empty toolName.')
    }
    if (typeof fn !== 'function') throw new MimaError('validation_failed', 'attest needs a function to wrap.')
    const mode = options.mode ?? 'sync'
    if (mode !== 'sync' && mode !== 'batch') {
      throw new MimaError(
        'validation_failed',
        `attest mode must be "sync" or "batch"; got "${String(mode)}".`,
      )
    }
    const approval = approvalParts(options.approvalToken)
    const authorisedBy = authorisedByWire(options.authorisedBy)
    const modelId = options.modelId
    const hashInput = options.hashInput
    const hashOutput = options.hashOutput
    const metadataOption = options.metadata

    /** The record's metadata: taken at the end of the call (a function sees its result). */
    function metadataOf(result: Awaited<Result> | undefined): Record<string, unknown> | undefined {
      const value = typeof metadataOption === 'function' ? metadataOption(result) : metadataOption
      return value === undefined ? undefined : (toHashable(value) as Record<string, unknown>)
    }
    const context: AttestedContext = approval?.approvalId
      ? { toolName, systemName: systemName, approvalId: approval.approvalId }
      : { toolName, systemName: systemName }

    // Buffered records are finished later (hashes, time formatting, signature): the call only
    // captures the canonical text of its input and output, which is the snapshot that matters.
    const deferFinishing = mode === 'batch' && approval === undefined

    function canonicalOrReport(
      value: () => unknown,
      what: 'input' | 'output',
      where: ReportWhere,
    ): CanonicalSnapshot | undefined {
      try {
        return captureCanonical(value())
      } catch (error) {
        // No canonical form (a NaN, a Map, …). For the input, `raise` throws before anything runs;
        // otherwise the call goes on and the attestation records an unknown hash ("").
        const failure = asMimaError(error, `${what} hash`)
        report(
          new MimaError(failure.code, `attest(${toolName}) cannot hash its ${what}: ${failure.message}`, {
            cause: failure,
            ...(failure.details === undefined ? {} : { details: failure.details }),
          }),
          where,
        )
        return undefined
      }
    }

    /** SHA-256 of a snapshot; "" (reported) when it turns out to hold a lone surrogate. */
    function hashSnapshot(snapshot: CanonicalSnapshot | undefined, what: 'input' | 'output'): string {
      if (snapshot === undefined) return ''
      try {
        return sha256Hex(snapshotText(snapshot))
      } catch (error) {
        report(
          new MimaError(
            'validation_failed',
            `attest(${toolName}) cannot hash its ${what}: ${asMimaError(error, what).message}`,
          ),
          'background',
        )
        return ''
      }
    }

    function finish(
      startedAt: number,
      started: number,
      input: CanonicalSnapshot | undefined,
      outcome: 'value' | 'error',
      valueOrError: unknown,
    ): Promise<AttestationResult> | undefined {
      try {
        const durationMs = Math.round((monotonic() - started) * 1000) / 1000
        const output =
          outcome === 'error'
            ? undefined
            : canonicalOrReport(
                () => (hashOutput ? hashOutput(valueOrError as Awaited<Result>) : valueOrError),
                'output',
                'background',
              )
        const idempotencyKey = uuidv7(startedAt)
        const metadata = metadataOf(outcome === 'error' ? undefined : (valueOrError as Awaited<Result>))
        const build = (): AttestationPayload =>
          newRecord(toolName, startedAt, {
            inputHash: hashSnapshot(input, 'input'),
            outputHash: hashSnapshot(output, 'output'),
            modelId,
            authorisedBy,
            approvalToken: approval?.token || undefined,
            durationMs,
            errorType: outcome === 'error' ? errorName(valueOrError) : undefined,
            idempotencyKey,
            metadata,
          })
        if (deferFinishing) {
          enqueue(build)
          return undefined
        }
        return submit(build(), mode, approval)
      } catch (error) {
        report(asMimaError(error, `attest(${toolName})`), 'background')
        return undefined
      }
    }

    /** Runs `fn` attested. `gated` (an approval was presented): always a promise, whose send is awaited. */
    function invoke(
      self: This,
      args: Args,
      input: CanonicalSnapshot | undefined,
      callContext: AttestedContext,
      gated: boolean,
    ): Result {
      const startedAt = clock.now()
      const started = monotonic()
      let result: Result
      try {
        result = runAttested(callContext, () => fn.apply(self, args))
      } catch (error) {
        if (!gated) {
          finish(startedAt, started, input, 'error', error)?.catch(deferIfRaise)
          throw error
        }
        result = Promise.reject(error) as Result
      }
      if (!gated && !isPromiseLike(result)) {
        finish(startedAt, started, input, 'value', result)?.catch(deferIfRaise)
        return result
      }
      return Promise.resolve(result).then(
        async (value) => {
          const sending = finish(startedAt, started, input, 'value', value)
          if (sending) await sending
          return value
        },
        async (error: unknown) => {
          const sending = finish(startedAt, started, input, 'error', error)
          if (sending) await sending.catch(() => undefined) // the function's own error wins
          throw error
        },
      ) as Result
    }

    const redeemToken = approval?.token ? approval.token : undefined

    // Capture the input before the call: the function may mutate its arguments.
    const captureInput = (args: Args): CanonicalSnapshot | undefined =>
      canonicalOrReport(() => (hashInput ? hashInput(...args) : args), 'input', 'call')

    return function attested(this: This, ...args: Args): Result {
      if (approval === undefined) return invoke(this, args, captureInput(args), context, false)
      // An approval gates the action (fail closed): its token is redeemed at the server BEFORE
      // `fn` runs, and `fn` runs only when the server consumed it for this tool. Refused, or the
      // server unreachable: `fn` never runs and the error is thrown whatever `onError` says.
      return (async () => {
        // Before the redemption: an input `raise` refuses to hash spends no token.
        const input = captureInput(args)
        let callContext = context
        if (redeemToken !== undefined) {
          const redeemed = await client.redeemApproval(redeemToken, toolName, approval.contextHash)
          if (callContext.approvalId === undefined)
            callContext = { ...callContext, approvalId: redeemed.approvalId }
        }
        return await invoke(this, args, input, callContext, true)
      })() as Result
    }
  }

  function decorate(options: AttestOptions): AttestDecorator {
    return function decorator(target: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
      if (descriptor && typeof descriptor.value === 'function') {
        descriptor.value = wrap(options, descriptor.value as (...args: unknown[]) => unknown)
        return descriptor
      }
      if (
        typeof target === 'function' &&
        typeof context === 'object' &&
        context !== null &&
        (context as { kind?: string }).kind === 'method'
      ) {
        return wrap(options, target as (...args: unknown[]) => unknown)
      }
      throw new MimaError(
        'validation_failed',
        'mima.attest(options) decorates methods only; wrap functions with mima.attest(options, fn).',
      )
    } as AttestDecorator
  }

  return ((options: AttestOptions | string, fn?: (...args: unknown[]) => unknown): unknown => {
    const normalised: AttestOptions = typeof options === 'string' ? { toolName: options } : options
    if (fn === undefined) {
      if (typeof normalised?.toolName !== 'string' || normalised.toolName.trim() === '') {
        throw new MimaError('validation_failed', 'attest needs a non-empty toolName.')
      }
      return decorate(normalised)
    }
    return wrap(normalised, fn)
  }) as AttestFunction
}

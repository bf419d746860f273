import { MimaError, type MimaErrorOptions } from '@mima/core'

/**
 * Thrown (as a rejected call) in `block` mode when an OpenAI or Anthropic call runs outside
 * `mima.attest(...)`. No request has left the process when you see it.
 *
 * @example
 * ```ts
 * try {
 *   await openai.chat.completions.create({ model, messages })
 * } catch (error) {
 *   if (error instanceof MimaAttestationError) console.error(error.callSite)
 * }
 * ```
 */
export class MimaAttestationError extends MimaError {
  /** The SDK method that was called, e.g. `openai.chat.completions.create`. */
  readonly call: string
  /** Where the call was made (`file:line:column`), when the guard could tell. */
  readonly callSite: string | undefined

  constructor(call: string, callSite: string | undefined, options: MimaErrorOptions = {}) {
    super(
      'unattested_call',
      `[mima guard] Unattested AI call blocked: ${call}${callSite === undefined ? '' : ` at ${callSite}`}. ` +
        'Run it inside mima.attest(...) or turn the guard to warn/report mode.',
      { ...options, details: { call, ...(callSite === undefined ? {} : { call_site: callSite }) } },
    )
    this.call = call
    this.callSite = callSite
  }
}

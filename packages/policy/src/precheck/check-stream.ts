import { MimaError } from '@mima/core'
import type { RulePlan } from '../policy/compile-policy'
import type { RedactionKey } from '../redaction/redaction-keys'
import { type RedactStreamOptions, redactStream, type TextChunk } from '../streams/redact-stream'

/** A text stream as `redactStream` takes it. */
export type TextStream = AsyncIterable<TextChunk> | ReadableStream<TextChunk>

/** Options of the stream check that do not come from the policy. */
export interface StreamCheckSettings {
  readonly tokenKey: RedactionKey
  readonly redactionMode: 'placeholder' | 'mask' | 'token'
  /** Receives the token mapping when the stream ends (`tokenize`). */
  readonly onMapping?: (mapping: string) => void
}

function kindsWith(plan: RulePlan, wanted: (action: string) => boolean): string[] {
  return [...plan.kindActions].filter(([, action]) => wanted(action)).map(([kind]) => kind)
}

/**
 * Applies a rule to a text stream as it flows: a `deny` rule refuses it before it is read; kinds
 * the rule denies stop it (`policy_denied`) at their first value, after the clean text before it;
 * kinds it redacts are replaced as they pass (a value split across chunks included); a rule with
 * nothing to act on passes the stream through untouched.
 */
export function checkStream<S extends TextStream>(
  plan: RulePlan,
  source: S,
  settings: StreamCheckSettings,
): S {
  if (plan.verdict === 'deny') {
    throw new MimaError(
      'policy_denied',
      `The policy denies this stream (${plan.reasons.join(', ') || plan.ruleId}).`,
      {
        details: { rule_id: plan.ruleId, reasons: plan.reasons },
      },
    )
  }
  if (!plan.needsScan) return source
  const replaces = (action: string): boolean =>
    action === 'redact' || action === 'tokenize' || action === 'mask'
  const denyKinds = kindsWith(plan, (action) => action === 'deny' || action === 'confirm')
  const keepKinds = kindsWith(plan, (action) => action === 'keep')
  const redactKinds = kindsWith(plan, replaces)
  const baseStops = plan.baseAction === 'deny' || plan.baseAction === 'confirm'
  const baseReplaces = replaces(plan.baseAction)
  const mode =
    plan.baseAction === 'tokenize' ? 'token' : plan.baseAction === 'mask' ? 'mask' : settings.redactionMode
  const common: RedactStreamOptions = {
    mode,
    ...(mode === 'token' ? { key: settings.tokenKey } : {}),
    ...(mode === 'mask' ? { keepLast: 4 } : {}),
    ...(settings.onMapping === undefined ? {} : { onMapping: settings.onMapping }),
  }
  let stream: TextStream = source
  // Redaction first, the stop outermost: the clean text before a denied value reaches the reader.
  if (baseReplaces || redactKinds.length > 0) {
    stream = redactStream(
      stream as AsyncIterable<TextChunk>,
      baseReplaces ? { ...common, exclude: [...keepKinds, ...denyKinds] } : { ...common, kinds: redactKinds },
    )
  }
  if (baseStops || denyKinds.length > 0) {
    stream = redactStream(
      stream as AsyncIterable<TextChunk>,
      baseStops
        ? { action: 'stop', exclude: [...keepKinds, ...redactKinds] }
        : { action: 'stop', kinds: denyKinds },
    )
  }
  return stream as S
}

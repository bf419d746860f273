import { type Attributes, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api'
import type { PolicyDecision, PrecheckInput, PrecheckResult } from '../precheck/precheck-types'
import { VERSION } from '../version'

/** The proposed GenAI guardrail verdict for each of our decisions. */
export const GUARDRAIL_VERDICT: Readonly<Record<PolicyDecision, string>> = {
  allow: 'allow',
  deny: 'deny',
  redact: 'modify',
  confirm: 'escalate',
}

/** The tracer to use: the one given, or `@mima/policy`'s from the global provider. */
export function policyTracer(tracer: Tracer | undefined): Tracer {
  return tracer ?? trace.getTracer('@mima/policy', VERSION)
}

/**
 * Emits one `mima.policy.decision` span for a decision, with the proposed OpenTelemetry GenAI
 * guardrail attributes (`gen_ai.guardrail.verdict.type`, `security.policy.id`, `security.rule.id`)
 * and our ids under `mima.*`. Holds no text and no found value.
 */
export function emitDecisionSpan(
  tracer: Tracer,
  input: PrecheckInput,
  result: PrecheckResult,
  decisionId: string | undefined,
): void {
  const { metadata } = result
  const attributes: Attributes = {
    'gen_ai.guardrail.verdict.type': GUARDRAIL_VERDICT[result.decision],
    'security.policy.id': metadata.policyId,
    'security.rule.id': metadata.ruleId,
    'mima.policy.version': metadata.policyVersion,
    'mima.policy.decision': result.decision,
    'mima.policy.direction': metadata.direction,
    'mima.policy.reasons': [...result.reasons],
    'mima.policy.detector_kinds': [...metadata.detectorKinds],
    'mima.policy.findings': metadata.findings,
  }
  if (input.tool !== undefined) attributes['gen_ai.tool.name'] = input.tool
  if (input.agent !== undefined) attributes['gen_ai.agent.name'] = input.agent
  if (input.correlationId !== undefined) attributes['mima.correlation_id'] = input.correlationId
  if (decisionId !== undefined) attributes['mima.policy.decision_id'] = decisionId
  if (result.confirmation !== undefined) attributes['mima.approval_id'] = result.confirmation.approvalId
  const span = tracer.startSpan('mima.policy.decision', { kind: SpanKind.INTERNAL, attributes })
  if (result.decision === 'deny')
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.reasons.join(', ') })
  span.end()
}

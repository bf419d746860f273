import { type Mima, uuidv7 } from '@mima/core'
import {
  buildDecisionRecord,
  createDecisionAttester,
  type DecisionRecord,
  type PrecheckResult,
  scopeViolationRecord,
} from '@mima/policy'
import type { RefusalCode } from './refusal'

/** The attestations' tool name of one server's decisions: `policy.mcp.<server>`. */
const decisionToolName = (server: string): string => `policy.mcp.${server}`

/** Records the proxy's policy decisions on one server (never an `allow`). */
export interface McpDecisionRecorder {
  /** A refusal before the policy ran: kill switch, fail-closed, scope, flagged tool. */
  refused(tool: string, code: RefusalCode, reasons: readonly string[]): void
  /** A precheck (`ingress`) or postcheck (`egress`) that denied, redacted or asked for confirmation. */
  checked(tool: string, result: PrecheckResult): void
}

/** Policy and rule of a refusal made before the policy ran. */
const GATE_RULES: Partial<Record<RefusalCode, { policy: string; rule: string }>> = {
  agent_killed: { policy: 'kill_switch', rule: 'kill_switch' },
  mima_unreachable: { policy: 'kill_switch', rule: 'fail_closed' },
  tool_flagged: { policy: 'tool_pins', rule: 'tool_flagged' },
}

/**
 * Sends each decision of the proxy as an attestation, the way `createDecisionAttester` of
 * `@mima/policy` records an engine's decisions: batched through the client's outbox (so decisions
 * made while the Mima server is down wait there), named `policy.mcp.<server>`, with the decision
 * record as metadata. `tool` in the record is the qualified `mcp.<server>.<tool>` (decision 0072).
 */
export function createMcpDecisionRecorder(options: {
  readonly mima: Pick<Mima, 'push'>
  readonly server: string
  readonly agent: string
}): McpDecisionRecorder {
  const { agent, server } = options
  const attester = createDecisionAttester(options.mima, {
    toolName: decisionToolName(server),
    // Delivery failures are the client's (its outbox keeps them, its onError reports them).
    onError: () => {},
  })
  const sink = (record: DecisionRecord): void => attester.sink(record)
  return {
    refused(tool, code, reasons) {
      const qualified = `mcp.${server}.${tool}`
      if (code === 'scope_denied') {
        sink(scopeViolationRecord({ agent, tool: qualified, api: undefined, reason: reasons[0] ?? code }))
        return
      }
      const gate = GATE_RULES[code]
      if (gate === undefined) return
      sink({
        decision_id: uuidv7(),
        decided_at: new Date().toISOString(),
        policy_id: gate.policy,
        policy_version: '0',
        rule_id: gate.rule,
        decision: 'deny',
        direction: 'ingress',
        reasons: [...reasons],
        detector_kinds: [],
        findings: 0,
        tool: qualified,
        agent,
      })
    },
    checked(tool, result) {
      if (result.decision === 'allow') return
      sink(buildDecisionRecord({ tool: `mcp.${server}.${tool}`, agent }, result))
    },
  }
}

/**
 * The events a webhook is subscribed to when it names none: the Python and TypeScript CLIs'
 * list, plus the runtime alerts. `approval.*` come from the approvals service's event bus,
 * `evidence.created` from the ledger feed, `gate.failed` from `GET …/grc/gates/check` (failing
 * required gates), `policy.check.failed` from the policy feature (a `deny` of the server precheck
 * or a reported one). The alerts of issue #16 — `budget.threshold` (a budget crossed one of its
 * alert thresholds), `loop.detected`, `agent.killed` and `agent.revived` — are rare, carry no
 * prompt or output, and are what an operator needs to hear about, so they are on by default.
 */
export const DEFAULT_WEBHOOK_EVENTS: readonly string[] = [
  'evidence.created',
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'gate.failed',
  'policy.check.failed',
  'budget.threshold',
  'loop.detected',
  'agent.killed',
  'agent.revived',
]

/**
 * Every event a webhook can subscribe to: the defaults plus `attestation.created` (one per
 * attested AI call, so it is opt-in).
 */
export const WEBHOOK_EVENTS: readonly string[] = [...DEFAULT_WEBHOOK_EVENTS, 'attestation.created']

/** Events read from the ledger (new leaves of these kinds), not from the event bus. */
export const LEDGER_EVENTS: Readonly<Record<string, string>> = {
  'evidence.created': 'evidence',
  'attestation.created': 'attestation',
}

/** The event type of `POST …/webhooks/{id}/test` deliveries (sent whatever the subscription). */
export const WEBHOOK_TEST_EVENT = 'webhook.test'

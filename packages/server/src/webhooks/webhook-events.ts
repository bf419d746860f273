/**
 * The events a webhook is subscribed to when it names none: the Python and TypeScript CLIs'
 * list. `approval.*` come from the approvals service's event bus, `evidence.created` from the
 * ledger feed, `gate.failed` from `GET …/grc/gates/check` (failing required gates),
 * `policy.check.failed` from the policy feature (a `deny` of the server precheck or a reported one).
 */
export const DEFAULT_WEBHOOK_EVENTS: readonly string[] = [
  'evidence.created',
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'gate.failed',
  'policy.check.failed',
]

/**
 * Every event a webhook can subscribe to: the defaults plus `attestation.created` (one per
 * attested AI call, so it is opt-in).
 */
export const WEBHOOK_EVENTS: readonly string[] = [
  ...DEFAULT_WEBHOOK_EVENTS,
  'attestation.created',
  // usage, budgets, loops and agents (issue #16), raised by the budgets and agents features; opt-in
  'budget.threshold',
  'loop.detected',
  'agent.killed',
  'agent.revived',
]

/** Events read from the ledger (new leaves of these kinds), not from the event bus. */
export const LEDGER_EVENTS: Readonly<Record<string, string>> = {
  'evidence.created': 'evidence',
  'attestation.created': 'attestation',
}

/** The event type of `POST …/webhooks/{id}/test` deliveries (sent whatever the subscription). */
export const WEBHOOK_TEST_EVENT = 'webhook.test'

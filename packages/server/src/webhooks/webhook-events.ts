/**
 * The events a webhook can subscribe to (the Python and TypeScript CLIs' list). `approval.*`
 * are delivered from the approvals service's event bus; `evidence.created`, `gate.failed` and
 * `policy.check.failed` are accepted in subscriptions and delivered once their producers raise them.
 */
export const WEBHOOK_EVENTS: readonly string[] = [
  'evidence.created',
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'gate.failed',
  'policy.check.failed',
]

/** The event type of `POST …/webhooks/{id}/test` deliveries (sent whatever the subscription). */
export const WEBHOOK_TEST_EVENT = 'webhook.test'

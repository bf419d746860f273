import { createServerEvent, type EventBus } from '../events/event-bus'
import type { ServerContext } from '../http/context'
import type { ThresholdCrossing } from './budget-settlement'

// `budget.threshold` events, raised after the statement that recorded the crossing committed
// (decision 0063): the settlement sets the counter's `alert_level`; here one short transaction
// claims the crossing (`alert_notified` moves up to it) and raises the event in it, so its webhook
// deliveries commit with the claim. A crossing whose event was never raised (a crash between the
// two, a failed claim) has `alert_level > alert_notified` and is raised by the sweep: none is lost,
// and the claim makes each one raised once. Crossings are claimed in order in one process; when a
// later one is claimed first (the sweep, another replica), the lower level is skipped, as a single
// settlement crossing two thresholds raises only the higher.

/** Raises `budget.threshold` events for recorded crossings. */
export interface BudgetAlerts {
  /** Queues the crossings' events (in order); resolves when they are raised. */
  notify(workspaceId: string, crossings: readonly ThresholdCrossing[]): Promise<void>
  /** Raises the events of crossings recorded but never raised (after a crash). */
  sweep(): Promise<void>
  /** Waits for the queued events. */
  close(): Promise<void>
}

const SWEEP_BATCH = 100

/** Creates the alerts of one server (its event bus, when the approvals feature provides one). */
export function createBudgetAlerts(server: ServerContext, busOf: () => EventBus | undefined): BudgetAlerts {
  let queue: Promise<void> = Promise.resolve()

  const raise = async (workspaceId: string, crossing: ThresholdCrossing): Promise<void> => {
    const bus = busOf()
    const event = createServerEvent('budget.threshold', workspaceId, {
      workspace_id: workspaceId,
      ...crossing,
    })
    const claimed = await server.database.transaction(async (transaction) => {
      const { rowCount } = await transaction.query(
        `update budget_counters set alert_notified = $4
          where workspace_id = $1 and budget_id = $2 and window_key = $3 and alert_notified < $4`,
        [workspaceId, crossing.budget_id, crossing.window, crossing.threshold],
      )
      if (rowCount === 0) return false
      await bus?.notifyInTransaction(transaction, event)
      return true
    })
    if (claimed) bus?.publish(event)
  }

  const notify = (workspaceId: string, crossings: readonly ThresholdCrossing[]): Promise<void> => {
    const done = queue.then(async () => {
      for (const crossing of crossings) {
        try {
          await raise(workspaceId, crossing)
        } catch (error) {
          // Left for the sweep: the crossing stays recorded and unclaimed.
          server.logger.warn('budget threshold event not raised', {
            workspace_id: workspaceId,
            budget_id: crossing.budget_id,
            error: String(error),
          })
        }
      }
    })
    queue = done
    return done
  }

  const sweep = async (): Promise<void> => {
    const { rows } = await server.database.query<Record<string, unknown> & { workspace_id: string }>(
      `select c.workspace_id, c.budget_id, c.window_key, c.alert_level, c.spent_usd, c.spent_tokens,
              b.scope_kind, b.scope_value, b.period, b.limit_usd, b.limit_tokens
         from budget_counters c join budgets b on b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
        where c.alert_level > c.alert_notified
        limit ${SWEEP_BATCH}`,
    )
    for (const row of rows)
      await notify(row.workspace_id, [
        {
          budget_id: String(row.budget_id),
          scope: String(row.scope_kind),
          scope_value: String(row.scope_value),
          period: String(row.period),
          window: String(row.window_key),
          threshold: Number(row.alert_level),
          spent_usd: Number(row.spent_usd),
          limit_usd: row.limit_usd === null ? null : Number(row.limit_usd),
          spent_tokens: Number(row.spent_tokens),
          limit_tokens: row.limit_tokens === null ? null : Number(row.limit_tokens),
        },
      ])
  }

  return {
    notify,
    sweep,
    close: () => queue,
  }
}

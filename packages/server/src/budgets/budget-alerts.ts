import { createServerEvent, type EventBus, type ServerEvent } from '../events/event-bus'
import type { ServerContext } from '../http/context'
import { derivedId } from '../http/ids'
import type { Queryable } from '../storage/database'
import { type ThresholdCrossing, toCrossings } from './budget-settlement'

// `budget.threshold` events, raised after the statement that recorded the crossing committed
// (decision 0063): the settlement sets the counter's `alert_level`; here the crossing is claimed
// (`alert_notified` moves up to it) and its event raised: webhook deliveries written, published
// in this process, and on PostgreSQL sent to the other replicas. A crossing whose event was never
// raised (a crash, a failure) has `alert_level > alert_notified` and is raised by the sweep: none
// is lost, and the claim makes each one raised once. Crossings are claimed in order in one process; when a
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

// A crossing happens once per budget, window and threshold (alert_level only rises), so its event
// id is derived from them: raised again after a crash, it is the same event.
const crossingEventId = (workspaceId: string, crossing: ThresholdCrossing): string =>
  derivedId('budget.threshold', workspaceId, crossing.budget_id, crossing.window, String(crossing.threshold))

/** Creates the alerts of one server (its event bus, when the approvals feature provides one). */
export function createBudgetAlerts(server: ServerContext, busOf: () => EventBus | undefined): BudgetAlerts {
  let queue: Promise<void> = Promise.resolve()

  const claim = async (database: Queryable, workspaceId: string, crossing: ThresholdCrossing) => {
    const { rowCount } = await database.query(
      `update budget_counters set alert_notified = $4
        where workspace_id = $1 and budget_id = $2 and window_key = $3 and alert_notified < $4`,
      [workspaceId, crossing.budget_id, crossing.window, crossing.threshold],
    )
    return rowCount > 0
  }

  const raise = async (workspaceId: string, crossing: ThresholdCrossing): Promise<void> => {
    const bus = busOf()
    const event: ServerEvent = {
      ...createServerEvent('budget.threshold', workspaceId, { workspace_id: workspaceId, ...crossing }),
      id: crossingEventId(workspaceId, crossing),
    }
    if (server.database.kind === 'pglite') {
      // One process: the deliveries first (one per webhook and event id, so writing them again is a
      // no-op), then the claim, without a transaction. A crash between the two leaves the crossing
      // unclaimed; the sweep writes the same event again and claims it.
      await bus?.notifyInTransaction(server.database, event)
      if (await claim(server.database, workspaceId, crossing)) bus?.publish(event)
      return
    }
    // Replicas: the claim, the deliveries and the NOTIFY to the other replicas commit together.
    const claimed = await server.database.transaction(async (transaction) => {
      if (!(await claim(transaction, workspaceId, crossing))) return false
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
    const { rows } = await server.database.query<ThresholdCrossing & { workspace_id: string }>(
      `select c.workspace_id, c.budget_id, b.scope_kind as scope, b.scope_value, b.period,
              c.window_key as "window", c.alert_level as threshold, c.spent_usd, b.limit_usd,
              c.spent_tokens, b.limit_tokens
         from budget_counters c join budgets b on b.workspace_id = c.workspace_id and b.budget_id = c.budget_id
        where c.alert_level > c.alert_notified
        limit ${SWEEP_BATCH}`,
    )
    for (const { workspace_id: workspaceId, ...crossing } of rows)
      await notify(workspaceId, toCrossings([crossing]))
  }

  return {
    notify,
    sweep,
    close: () => queue,
  }
}

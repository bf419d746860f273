import { createKillSwitch, type KillSwitch } from '../agents/kill-switch'
import { createPresence, type Presence } from '../agents/presence'
import {
  type BudgetCheckInput,
  type BudgetClient,
  type BudgetClientOptions,
  type BudgetState,
  type BudgetTicket,
  createBudgetClient,
  type TrackedUsage,
} from '../budgets/budget-client'
import {
  createLoopDetector,
  type LoopCall,
  type LoopDetector,
  type LoopDetectorOptions,
} from '../loops/loop-detector'
import type { StreamEvent } from './event-stream'
import {
  createRuntimeConnection,
  type RuntimeConnection,
  type RuntimeConnectionOptions,
} from './runtime-connection'

/** Options of {@link createRuntimeControls}. */
export interface RuntimeControlsOptions extends RuntimeConnectionOptions {
  /** The AI system the calls belong to (budgets of this system apply). */
  readonly systemName: string
  /** The agent (default `systemName`): its budgets, kill switch, presence and loops. */
  readonly agentName?: string | undefined
  /** The user the calls are made for (user budgets apply). */
  readonly user?: string | undefined
  /** The session (session budgets and time caps apply). */
  readonly sessionId?: string | undefined
  /** Allow calls when the server cannot be asked (default false: budgets and the kill switch fail closed). */
  readonly failOpen?: boolean | undefined
  /** Budget lease tuning (`leaseCalls`, `leaseTtlSeconds`, `flushIntervalMs`, `deniedCacheMs`). */
  readonly budgets?:
    | Pick<BudgetClientOptions, 'leaseCalls' | 'leaseTtlSeconds' | 'flushIntervalMs' | 'deniedCacheMs'>
    | undefined
  /** Loop detection (on by default: 20 calls of one tool per minute raise); `false` turns it off. */
  readonly loops?: LoopDetectorOptions | false | undefined
  /** Heartbeats (`false` turns them off). */
  readonly presence?:
    | { readonly intervalMs?: number; readonly metadata?: Readonly<Record<string, unknown>> }
    | false
    | undefined
  /** How long the kill switch trusts its last state after losing the stream (ms, default 30 000). */
  readonly staleAfterMs?: number | undefined
  /** Every event of the workspace stream (budget changes, loops, kills, approvals). */
  readonly onEvent?: ((event: StreamEvent) => void) | undefined
  readonly onError?: ((error: unknown) => void) | undefined
}

/**
 * Budgets, the kill switch, presence and loop detection of one running agent, sharing one
 * connection and one event stream. The checks on the call path are local and synchronous where
 * they can be: the kill state is pushed by the server, budget leases are held locally.
 */
export interface RuntimeControls {
  readonly connection: RuntimeConnection
  readonly agentName: string
  readonly killSwitch: KillSwitch
  readonly budgets: BudgetClient
  readonly presence: Presence | undefined
  readonly loops: LoopDetector | undefined
  /** Resolves once the kill switch holds the server's current state. */
  ready(timeoutMs?: number): Promise<void>
  /** Throws `AgentKilledError` when the agent (default: this one) is killed. Synchronous. */
  assertAlive(agentName?: string): void
  /** `assertAlive`, then the budget check on the projected cost. */
  checkOrRaise(input?: BudgetCheckInput): Promise<BudgetTicket>
  /** Settles what a call used (background, batched). */
  trackUsage(ticket: BudgetTicket | undefined, usage: TrackedUsage): void
  /** Budget state of this scope, per model. */
  snapshot(): Promise<BudgetState[]>
  /** Counts a tool call for loop detection (throws `LoopDetectedError` with action `raise`). */
  recordCall(toolName: string): void
  /** Reports this instance idle. */
  markIdle(): Promise<void>
  /** Flushes usage, returns the unused budget lease, reports the instance closed, stops the stream. */
  close(): Promise<void>
}

/**
 * Starts the runtime controls of one agent process.
 *
 * @example
 * ```ts
 * const controls = createRuntimeControls({ systemName: 'support-bot', agentName: 'triage', sessionId })
 * await controls.ready()
 * const ticket = await controls.checkOrRaise({ model: 'gpt-4o', projectedUsd: 0.02, projectedTokens: 2000 })
 * // … the model call …
 * controls.trackUsage(ticket, { model: 'gpt-4o', costUsd: 0.011, tokens: 1450 })
 * await controls.close()
 * ```
 */
export function createRuntimeControls(options: RuntimeControlsOptions): RuntimeControls {
  const connection = createRuntimeConnection(options)
  const agentName = options.agentName ?? options.systemName
  const onError = options.onError ?? ((error: unknown) => console.warn('[mima runtime]', error))
  let budgets: BudgetClient | undefined
  const killSwitch = createKillSwitch({
    connection,
    agentName,
    failOpen: options.failOpen,
    staleAfterMs: options.staleAfterMs,
    onEvent(event) {
      if (event.type === 'budget.updated') budgets?.invalidate()
      options.onEvent?.(event)
    },
  })
  budgets = createBudgetClient({
    connection,
    scope: { systemName: options.systemName, agentName, user: options.user, sessionId: options.sessionId },
    failOpen: options.failOpen,
    ...options.budgets,
    beforeCheck: () => killSwitch.assertAlive(),
    onError,
  })
  const presence =
    options.presence === false
      ? undefined
      : createPresence({
          connection,
          agentName,
          sessionId: options.sessionId,
          intervalMs: options.presence?.intervalMs,
          metadata: options.presence?.metadata,
          onKilled: (reason) => killSwitch.markKilled(agentName, reason),
          onError,
        })
  const loops =
    options.loops === false
      ? undefined
      : createLoopDetector({
          ...options.loops,
          onLoop(loop) {
            options.loops !== false && options.loops?.onLoop?.(loop)
            connection
              .request('POST', 'agents/loops', {
                agent_name: loop.agentName,
                tool_name: loop.toolName,
                ...(loop.sessionId === undefined ? {} : { session_id: loop.sessionId }),
                calls: loop.calls,
                window_seconds: loop.windowMs / 1000,
                action: loop.action,
              })
              .catch(onError)
          },
        })
  const client = budgets
  return {
    connection,
    agentName,
    killSwitch,
    budgets: client,
    presence,
    loops,
    ready: (timeoutMs) => killSwitch.ready(timeoutMs),
    assertAlive: (name) => killSwitch.assertAlive(name),
    checkOrRaise: (input) => client.checkOrRaise(input),
    trackUsage: (ticket, usage) => client.trackUsage(ticket, usage),
    snapshot: () => client.snapshot(),
    recordCall(toolName) {
      const call: LoopCall = { agentName, toolName, sessionId: options.sessionId }
      loops?.record(call)
    },
    markIdle: async () => presence?.markIdle(),
    async close() {
      await client.close()
      await presence?.close().catch(onError)
      killSwitch.close()
    },
  }
}

import { MimaError } from '@mima/core'
import { type EventStreamHandle, openEventStream, type StreamEvent } from '../runtime/event-stream'
import type { RuntimeConnection } from '../runtime/runtime-connection'
import { AgentKilledError } from '../runtime/runtime-errors'

/** Options of {@link createKillSwitch}. */
export interface KillSwitchOptions {
  readonly connection: RuntimeConnection
  /** The agent `assertAlive()` checks by default. */
  readonly agentName: string
  /**
   * Allow calls while the kill state is unknown (never connected, or disconnected for longer than
   * `staleAfterMs`). Default false: fail closed.
   */
  readonly failOpen?: boolean | undefined
  /** How long a lost stream's last known state is trusted, in milliseconds (default 30 000). */
  readonly staleAfterMs?: number | undefined
  /** Every other event of the stream (budget changes, loops, approvals). */
  readonly onEvent?: ((event: StreamEvent) => void) | undefined
  /** Time source in milliseconds (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/**
 * The kill switch as a running process sees it: the killed agents of the workspace, kept current
 * by the server's event stream (a kill arrives as it happens, not after a cache TTL).
 */
export interface KillSwitch {
  /** Resolves once the stream delivered the current state (or rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>
  /** Throws {@link AgentKilledError} when the agent is killed; synchronous and cheap. */
  assertAlive(agentName?: string): void
  isKilled(agentName?: string): boolean
  /** Marks an agent killed now (a heartbeat answered `killed: true`). */
  markKilled(agentName: string, reason: string | undefined): void
  /** Called with the agent's name when a kill for it arrives. */
  onKill(listener: (agentName: string, reason: string | undefined) => void): () => void
  close(): void
}

/**
 * Follows the workspace's kill switch over the event stream.
 *
 * @example
 * ```ts
 * const killSwitch = createKillSwitch({ connection, agentName: 'researcher' })
 * await killSwitch.ready()
 * killSwitch.assertAlive() // throws AgentKilledError once an operator runs `mima agents kill researcher`
 * ```
 */
export function createKillSwitch(options: KillSwitchOptions): KillSwitch {
  const now = options.now ?? Date.now
  const staleAfterMs = options.staleAfterMs ?? 30_000
  const killed = new Map<string, string | undefined>()
  const listeners = new Set<(agentName: string, reason: string | undefined) => void>()
  let everConnected = false
  let disconnectedAt: number | undefined
  let lastError: unknown

  const notify = (name: string, reason: string | undefined): void => {
    for (const listener of [...listeners]) {
      try {
        listener(name, reason)
      } catch {}
    }
  }
  const reasonOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

  const stream: EventStreamHandle = openEventStream({
    connection: options.connection,
    onConnection(connected, error) {
      if (connected) {
        everConnected = true
        disconnectedAt = undefined
      } else {
        disconnectedAt ??= now()
        lastError = error
      }
    },
    onEvent(event) {
      if (event.type === 'ready') {
        const list = Array.isArray(event.data.killed)
          ? (event.data.killed as { agent_name?: unknown; reason?: unknown }[])
          : []
        const previous = new Set(killed.keys())
        killed.clear()
        for (const item of list) {
          if (typeof item.agent_name !== 'string') continue
          killed.set(item.agent_name, reasonOf(item.reason))
          if (!previous.has(item.agent_name)) notify(item.agent_name, reasonOf(item.reason))
        }
      } else if (event.type === 'agent.killed' && typeof event.data.agent_name === 'string') {
        killed.set(event.data.agent_name, reasonOf(event.data.reason))
        notify(event.data.agent_name, reasonOf(event.data.reason))
      } else if (event.type === 'agent.revived' && typeof event.data.agent_name === 'string') {
        killed.delete(event.data.agent_name)
      }
      options.onEvent?.(event)
    },
  })

  const unknownState = (): boolean =>
    !everConnected || (disconnectedAt !== undefined && now() - disconnectedAt > staleAfterMs)

  return {
    async ready(timeoutMs = 10_000) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new MimaError('network_error', 'The kill-switch stream did not connect in time.', {
                cause: lastError,
              }),
            ),
          timeoutMs,
        )
      })
      try {
        await Promise.race([stream.ready, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    assertAlive(agentName = options.agentName) {
      if (killed.has(agentName)) throw new AgentKilledError(agentName, killed.get(agentName))
      if (options.failOpen !== true && unknownState()) {
        throw new MimaError(
          'kill_switch',
          `The kill-switch state of agent "${agentName}" is unknown (the Mima server's event stream is not connected), so the call was refused. Pass failOpen: true to allow calls then.`,
          { retryable: true, cause: lastError },
        )
      }
    },
    isKilled: (agentName = options.agentName) => killed.has(agentName),
    markKilled(agentName, reason) {
      if (killed.has(agentName)) return
      killed.set(agentName, reason)
      notify(agentName, reason)
    },
    onKill(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close: () => stream.close(),
  }
}

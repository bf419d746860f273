import type { RuntimeConnection } from '../runtime/runtime-connection'

/** Options of {@link createPresence}. */
export interface PresenceOptions {
  readonly connection: RuntimeConnection
  readonly agentName: string
  /** Unique per process (default a random id). */
  readonly instanceId?: string | undefined
  readonly sessionId?: string | undefined
  /** Sent with every heartbeat (host, version, task…): a small JSON object. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined
  /** Milliseconds between heartbeats (default 10 000); 0 sends them only on demand. */
  readonly intervalMs?: number | undefined
  /** A heartbeat answered that the agent is killed. */
  readonly onKilled?: ((reason: string | undefined) => void) | undefined
  readonly onError?: ((error: unknown) => void) | undefined
}

/** Heartbeats of one running instance: the server lists it as live, idle, unresponsive or closed. */
export interface Presence {
  readonly instanceId: string
  /** Sends a heartbeat now (with new metadata, when given). */
  heartbeat(metadata?: Readonly<Record<string, unknown>>): Promise<void>
  /** Reports the instance idle (waiting for work). */
  markIdle(): Promise<void>
  /** Reports the instance live again. */
  markLive(): Promise<void>
  /** Stops the heartbeats and reports the instance closed. */
  close(): Promise<void>
}

/**
 * Starts heartbeats for one agent instance (the timer does not keep the process alive).
 *
 * @example
 * ```ts
 * const presence = createPresence({ connection, agentName: 'researcher', metadata: { host: os.hostname() } })
 * await presence.markIdle()
 * await presence.close()
 * ```
 */
export function createPresence(options: PresenceOptions): Presence {
  const instanceId =
    options.instanceId ?? `inst_${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`
  let state: 'live' | 'idle' | 'closed' = 'live'
  let metadata: Readonly<Record<string, unknown>> = options.metadata ?? {}
  const onError = options.onError ?? ((error: unknown) => console.warn('[mima presence]', error))

  const send = async (): Promise<void> => {
    const answer = await options.connection.request<{ killed?: boolean; reason?: string | null }>(
      'POST',
      'agents/heartbeat',
      {
        agent_name: options.agentName,
        instance_id: instanceId,
        ...(options.sessionId === undefined ? {} : { session_id: options.sessionId }),
        state,
        metadata,
      },
    )
    if (answer.killed === true) options.onKilled?.(answer.reason ?? undefined)
  }
  const interval = options.intervalMs ?? 10_000
  const timer =
    interval > 0
      ? setInterval(() => {
          send().catch(onError)
        }, interval)
      : undefined
  ;(timer as { unref?: () => void } | undefined)?.unref?.()
  send().catch(onError)

  return {
    instanceId,
    async heartbeat(next) {
      if (next !== undefined) metadata = next
      await send()
    },
    async markIdle() {
      state = 'idle'
      await send()
    },
    async markLive() {
      state = 'live'
      await send()
    },
    async close() {
      if (timer !== undefined) clearInterval(timer)
      if (state === 'closed') return
      state = 'closed'
      await send()
    },
  }
}

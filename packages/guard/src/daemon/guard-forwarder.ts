import { VERSION } from '../version'

/** Where and how the daemon forwards events: `POST {baseUrl}/api/workspaces/{ws}/guard/events`. */
export interface GuardForwardOptions {
  /** The Mima server, with or without a trailing `/api`. */
  readonly baseUrl: string
  /** Sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string
  /** Resolved through `GET {baseUrl}/api/me` when omitted. */
  readonly workspaceId?: string
  /** How often batches are sent (5,000 ms); a full batch goes at once. */
  readonly intervalMs?: number
  /** Events per POST (100). */
  readonly batchSize?: number
  /** Events held while the server is unreachable (10,000; the oldest are dropped). */
  readonly maxQueue?: number
}

/** What the forwarder has done so far. */
export interface GuardForwarderStatus {
  enabled: boolean
  url: string
  workspaceId: string | undefined
  sent: number
  dropped: number
  pending: number
  lastError: string | undefined
}

/** Batches events to the server; survives outages (requeues on network errors, 408, 429 and 5xx). */
export interface GuardForwarder {
  push(event: unknown): void
  /** Sends everything pending now (as far as the server takes it). */
  flush(): Promise<void>
  status(): GuardForwarderStatus
  stop(): void
}

/** `https://x/api/` → `https://x` */
export function normaliseBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/api$/, '')
}

/** Creates the daemon's forwarder. */
export function createGuardForwarder(options: GuardForwardOptions): GuardForwarder {
  const base = normaliseBaseUrl(options.baseUrl)
  const intervalMs = options.intervalMs ?? 5000
  const batchSize = options.batchSize ?? 100
  const maxQueue = options.maxQueue ?? 10_000
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    'content-type': 'application/json',
    'user-agent': `mima-guard-daemon/${VERSION}`,
  }
  const state: GuardForwarderStatus = {
    enabled: true,
    url: '',
    workspaceId: options.workspaceId,
    sent: 0,
    dropped: 0,
    pending: 0,
    lastError: undefined,
  }
  let queue: unknown[] = []
  let sending: Promise<void> | undefined
  const timer = setInterval(() => void flush(), intervalMs)
  // Never what keeps a process alive (an app's in-process reporter uses this too).
  timer.unref?.()

  const eventsUrl = (workspaceId: string): string =>
    `${base}/api/workspaces/${encodeURIComponent(workspaceId)}/guard/events`
  if (state.workspaceId !== undefined) state.url = eventsUrl(state.workspaceId)

  async function resolveWorkspace(): Promise<string | undefined> {
    if (state.workspaceId !== undefined) return state.workspaceId
    const response = await fetch(`${base}/api/me`, { headers, signal: AbortSignal.timeout(10_000) })
    if (response.status === 401 || response.status === 403) {
      disable(`GET /api/me answered ${response.status}`)
      return undefined
    }
    const body = (await response.json().catch(() => ({}))) as { workspace_id?: unknown }
    if (!response.ok || typeof body.workspace_id !== 'string') {
      state.lastError = `GET /api/me answered ${response.status} without a workspace_id`
      return undefined
    }
    state.workspaceId = body.workspace_id
    state.url = eventsUrl(body.workspace_id)
    return body.workspace_id
  }

  function disable(reason: string): void {
    state.enabled = false
    state.lastError = `${reason}; forwarding is off (check the API key)`
    state.dropped += queue.length
    queue = []
  }

  async function sendAll(): Promise<void> {
    while (state.enabled && queue.length > 0) {
      const workspaceId = await resolveWorkspace()
      if (workspaceId === undefined) return
      const batch = queue.slice(0, batchSize)
      let status: number
      try {
        const response = await fetch(eventsUrl(workspaceId), {
          method: 'POST',
          headers,
          body: JSON.stringify({ events: batch }),
          signal: AbortSignal.timeout(10_000),
        })
        status = response.status
        await response.body?.cancel().catch(() => undefined)
      } catch (error) {
        state.lastError = `POST failed: ${(error as Error).message}` // kept for the next round
        return
      }
      if (status >= 200 && status < 300) {
        queue = queue.slice(batch.length)
        state.sent += batch.length
        state.lastError = undefined
      } else if (status === 401 || status === 403) {
        disable(`the server answered ${status}`)
        return
      } else if (status === 408 || status === 429 || status >= 500) {
        state.lastError = `the server answered ${status}; retrying`
        return
      } else {
        queue = queue.slice(batch.length)
        state.dropped += batch.length
        state.lastError = `the server rejected a batch of ${batch.length} with ${status}`
      }
    }
  }

  function flush(): Promise<void> {
    if (!sending) {
      sending = sendAll()
        .catch((error: unknown) => {
          state.lastError = String(error)
        })
        .finally(() => {
          sending = undefined
        })
    }
    return sending
  }

  return {
    push(event) {
      if (!state.enabled) {
        state.dropped += 1
        return
      }
      if (queue.length >= maxQueue) {
        queue.shift()
        state.dropped += 1
      }
      queue.push(event)
      if (queue.length >= batchSize) void flush()
    },
    async flush() {
      await flush()
      if (queue.length > 0 && state.enabled) await flush()
    },
    status: () => ({ ...state, pending: queue.length }),
    stop() {
      clearInterval(timer)
    },
  }
}

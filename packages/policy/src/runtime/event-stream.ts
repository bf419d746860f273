import type { RuntimeConnection } from './runtime-connection'

/** One server event received over the workspace's event stream. */
export interface StreamEvent {
  readonly id: string | undefined
  readonly type: string
  readonly data: Record<string, unknown>
}

/** Options of {@link openEventStream}. */
export interface EventStreamOptions {
  readonly connection: RuntimeConnection
  /** Event types to receive (`agent.*` style prefixes allowed); all when omitted. */
  readonly types?: readonly string[] | undefined
  /** Every event, `ready` included (its data holds the state a reconnecting client needs). */
  readonly onEvent: (event: StreamEvent) => void
  /** Connected (after `ready`) or disconnected. */
  readonly onConnection?: ((connected: boolean, error?: unknown) => void) | undefined
  /** Longest wait between reconnection attempts, in milliseconds (default 2000). */
  readonly maxReconnectDelayMs?: number | undefined
}

/** An open event stream; reconnects by itself until {@link EventStreamHandle.close}. */
export interface EventStreamHandle {
  /** Resolves at the first `ready` event. */
  readonly ready: Promise<void>
  close(): void
}

/** Parses one SSE block (`event:`, `data:`, `id:` lines). */
function parseBlock(block: string): StreamEvent | undefined {
  let type = 'message'
  let id: string | undefined
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') type = value
    else if (field === 'data') data.push(value)
    else if (field === 'id') id = value
  }
  if (data.length === 0) return undefined
  try {
    const parsed = JSON.parse(data.join('\n')) as unknown
    return {
      id,
      type,
      data:
        typeof parsed === 'object' && parsed !== null
          ? (parsed as Record<string, unknown>)
          : { value: parsed },
    }
  } catch {
    return undefined
  }
}

/**
 * Follows `GET …/events/stream` (server-sent events) with `fetch`, reconnecting with backoff.
 * Each (re)connection starts with a `ready` event carrying the current killed agents, so nothing
 * raised while disconnected is missed.
 */
export function openEventStream(options: EventStreamOptions): EventStreamHandle {
  const controller = new AbortController()
  const maxDelay = options.maxReconnectDelayMs ?? 2000
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  const query = options.types === undefined ? '' : `?types=${encodeURIComponent(options.types.join(','))}`

  const run = async (): Promise<void> => {
    let attempt = 0
    while (!controller.signal.aborted) {
      let failure: unknown
      try {
        const url = await options.connection.workspaceUrl(`events/stream${query}`)
        const response = await options.connection.fetch(url, {
          headers: { authorization: `Bearer ${options.connection.apiKey}`, accept: 'text/event-stream' },
          signal: controller.signal,
        })
        if (!response.ok || response.body === null)
          throw new Error(`event stream answered ${response.status}`)
        const reader = response.body.getReader()
        const decoder = new TextDecoder()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n')
          let end = buffer.indexOf('\n\n')
          while (end !== -1) {
            const event = parseBlock(buffer.slice(0, end))
            buffer = buffer.slice(end + 2)
            if (event !== undefined) {
              if (event.type === 'ready') {
                attempt = 0
                options.onConnection?.(true)
                markReady()
              }
              options.onEvent(event)
            }
            end = buffer.indexOf('\n\n')
          }
        }
      } catch (error) {
        failure = error
      }
      if (controller.signal.aborted) return
      options.onConnection?.(false, failure)
      const delay = Math.min(maxDelay, 100 * 2 ** attempt)
      attempt += 1
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay)
        ;(timer as { unref?: () => void }).unref?.()
        controller.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }
  void run()
  return {
    ready,
    close: () => controller.abort(),
  }
}

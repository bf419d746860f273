/** One server-sent event. */
export interface SseEvent {
  event: string
  data: string
}

/** An open SSE response read event by event. */
export interface SseReader {
  /** The next event, or undefined when the stream ended. */
  next(): Promise<SseEvent | undefined>
  /** Reads until the stream ends; returns every event seen meanwhile. */
  untilEnd(): Promise<SseEvent[]>
  close(): Promise<void>
}

/** Opens `url` as an SSE stream with `headers` (throws unless it answers 200 text/event-stream). */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseReader> {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`)
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let ended = false
  const next = async (): Promise<SseEvent | undefined> => {
    for (;;) {
      const boundary = buffer.indexOf('\n\n')
      if (boundary !== -1) {
        const block = buffer.slice(0, boundary)
        buffer = buffer.slice(boundary + 2)
        const lines = block.split('\n')
        const event = lines
          .find((line) => line.startsWith('event:'))
          ?.slice(6)
          .trim()
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n')
        if (event === undefined) continue // a comment (keep-alive)
        return { event, data }
      }
      if (ended) return undefined
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) ended = true
      else buffer += decoder.decode(value, { stream: true })
    }
  }
  return {
    next,
    async untilEnd() {
      const events: SseEvent[] = []
      for (let event = await next(); event !== undefined; event = await next()) events.push(event)
      return events
    },
    async close() {
      controller.abort()
    },
  }
}

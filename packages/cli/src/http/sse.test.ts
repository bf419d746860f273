import { describe, expect, it } from 'vitest'
import { readServerSentEvents } from './sse'

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

describe('readServerSentEvents', () => {
  it('parses events split across chunks, multi-line data, ids, comments and CRLF', async () => {
    const events = []
    for await (const event of readServerSentEvents(
      streamOf([
        'event: ready\ndata: {"a"',
        ':1}\n\n: keep-alive\n\n',
        'id: 7\r\nevent: approval.requested\r\ndata: line1\r\ndata: line2\r\n\r\n',
        'data: plain\n\n',
      ]),
    )) {
      events.push(event)
    }
    expect(events).toEqual([
      { event: 'ready', data: '{"a":1}' },
      { event: 'approval.requested', data: 'line1\nline2', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ])
  })
})

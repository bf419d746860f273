import type { ServerResponse } from 'node:http'

// How the fake LLM server answers: JSON, or server-sent events.

/** Answers JSON with the request-id headers the SDKs read. */
export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': 'req_fake',
    'request-id': 'req_fake',
  })
  response.end(text)
}

/** Answers server-sent events (`event:` named when the name is given). */
export function sendEvents(
  response: ServerResponse,
  events: ReadonlyArray<readonly [string | undefined, unknown]>,
): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': 'req_fake',
  })
  for (const [name, data] of events) {
    const payload = typeof data === 'string' ? data : JSON.stringify(data)
    response.write(`${name === undefined ? '' : `event: ${name}\n`}data: ${payload}\n\n`)
  }
  response.end()
}

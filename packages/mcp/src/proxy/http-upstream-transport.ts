import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

/** Keep-alive connections shared by every upstream session of this process. */
let agents: { http: HttpAgent; https: HttpsAgent } | undefined

/** Calls `onEvent` with the data of each `message` event of a `text/event-stream` body. */
function readEvents(incoming: IncomingMessage, onEvent: (data: string) => void): void {
  let buffer = ''
  incoming.setEncoding('utf8')
  incoming.on('data', (chunk: string) => {
    buffer += chunk
    for (let end = buffer.search(/\r?\n\r?\n/); end !== -1; end = buffer.search(/\r?\n\r?\n/)) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + (buffer[end] === '\r' ? 4 : 2))
      let type = 'message'
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5))
        else if (line.startsWith('event:')) type = line.slice(6).trim()
      }
      if (type === 'message' && data.length > 0) onEvent(data.join('\n'))
    }
  })
}

/**
 * The proxy's client side of a Streamable HTTP session with its upstream (spec 2025-06-18), over
 * `node:http(s)` keep-alive connections: a POST per message, answered by JSON, an event stream or
 * 202; after `notifications/initialized`, a GET stream for the server's own messages (a 405 means
 * the server has none). No OAuth: upstream credentials are static headers from the configuration.
 *
 * The SDK's transport goes through `fetch` and web streams for each message (and Node's `fetch`
 * leaves a listener per request on the session's abort signal until garbage collection); that cost
 * most of the proxy's own CPU per call over HTTP (decision 0071).
 */
export class HttpUpstreamTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  sessionId: string | undefined
  private protocolVersion: string | undefined
  private readonly open = new Set<ClientRequest>()
  private closed = false

  constructor(
    private readonly url: URL,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.protocolVersion = version
  }

  private request(
    method: string,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
  ): Promise<{ incoming: IncomingMessage; outgoing: ClientRequest }> {
    agents ??= { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) }
    const secure = this.url.protocol === 'https:'
    const all: OutgoingHttpHeaders = { ...this.headers, ...headers }
    if (this.sessionId !== undefined) all['mcp-session-id'] = this.sessionId
    if (this.protocolVersion !== undefined) all['mcp-protocol-version'] = this.protocolVersion
    if (body !== undefined) all['content-length'] = Buffer.byteLength(body)
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(this.url, {
        method,
        headers: all,
        agent: secure ? agents?.https : agents?.http,
      })
      this.open.add(outgoing)
      outgoing.once('close', () => this.open.delete(outgoing))
      outgoing.on('error', reject)
      outgoing.once('response', (incoming) => {
        // A destroyed session ends its streams with an error, which the reader reports (or not).
        incoming.on('error', () => {})
        const sessionId = incoming.headers['mcp-session-id']
        if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId
        resolve({ incoming, outgoing })
      })
      outgoing.setNoDelay(true)
      outgoing.end(body)
    })
  }

  private deliver(text: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      this.onerror?.(new Error(`The upstream MCP server sent a message that is not JSON: ${String(error)}`))
      return
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      this.onmessage?.(message as JSONRPCMessage)
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('The upstream MCP session is closed.')
    const { incoming } = await this.request(
      'POST',
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      JSON.stringify(message),
    )
    const status = incoming.statusCode ?? 0
    const type = incoming.headers['content-type'] ?? ''
    if (
      status === 202 ||
      (status >= 200 && status < 300 && !type.includes('json') && !type.includes('event-stream'))
    ) {
      incoming.resume()
    } else if (status < 200 || status >= 300) {
      let text = ''
      incoming.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk
      })
      await new Promise((resolve) => incoming.once('end', resolve))
      throw new Error(`Error POSTing to endpoint (HTTP ${status}): ${text}`)
    } else if (type.includes('event-stream')) {
      readEvents(incoming, (data) => this.deliver(data))
      incoming.once('error', (error) => {
        if (!this.closed) this.onerror?.(error)
      })
    } else {
      let text = ''
      incoming.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk
      })
      incoming.once('end', () => this.deliver(text))
    }
    if ((message as { method?: unknown }).method === 'notifications/initialized') this.openStream()
  }

  /** The session's GET stream: server messages that belong to no request. */
  private openStream(): void {
    this.request('GET', { accept: 'text/event-stream' }, undefined).then(
      ({ incoming }) => {
        if (incoming.statusCode !== 200) {
          incoming.resume()
          return
        }
        readEvents(incoming, (data) => this.deliver(data))
        incoming.once('error', () => {})
      },
      (error: unknown) => {
        if (!this.closed) this.onerror?.(error as Error)
      },
    )
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const outgoing of this.open) outgoing.destroy()
    this.open.clear()
    this.onclose?.()
  }
}

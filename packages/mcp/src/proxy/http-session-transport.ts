import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  type JSONRPCMessage,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js'

type Message = {
  readonly jsonrpc?: unknown
  readonly id?: RequestId
  readonly method?: unknown
  readonly result?: unknown
  readonly error?: unknown
}

/** The HTTP answer of one POST that carried requests, open until every request is answered. */
interface Pending {
  readonly response: ServerResponse
  readonly ids: readonly RequestId[]
  readonly answers: Map<RequestId, JSONRPCMessage>
  /** Switched to an event stream by a message sent before the last answer. */
  streaming: boolean
}

const MAX_BATCH = 100
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' }

const isMessage = (value: unknown): value is Message => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const message = value as Message
  if (message.jsonrpc !== '2.0') return false
  if (typeof message.method === 'string') return true
  return (
    (typeof message.id === 'string' || typeof message.id === 'number') &&
    (message.result !== undefined || message.error !== undefined)
  )
}
const isRequest = (message: Message): boolean =>
  typeof message.method === 'string' && message.id !== undefined
const isAnswer = (message: Message): boolean => message.method === undefined && message.id !== undefined

function fail(response: ServerResponse, status: number, code: number, message: string): void {
  if (response.headersSent) return
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }))
}

const event = (message: JSONRPCMessage): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`

/**
 * The proxy's server side of one Streamable HTTP session (spec 2025-06-18), written for the relay:
 * a POST that carries requests is answered with `application/json` when its answers are the only
 * messages for it, and switches to an event stream when a notification or a request belonging to it
 * comes first (progress, logging, an approval heartbeat, sampling). A GET opens the session's
 * stream for server messages that belong to no request; DELETE ends the session.
 *
 * The SDK's transport answers every request with an event stream and goes through web-standard
 * requests and streams; that cost most of the proxy's own CPU per call (decision 0071).
 */
export class HttpSessionTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void
  onclose?: () => void
  onerror?: (error: Error) => void
  sessionId: string | undefined
  private readonly pending = new Map<RequestId, Pending>()
  private standalone: ServerResponse | undefined
  private closed = false

  constructor(private readonly options: { readonly onsessioninitialized?: (id: string) => void } = {}) {}

  async start(): Promise<void> {}

  /** Answers one HTTP request of this session (`body` already parsed for a POST). */
  async handleRequest(request: IncomingMessage, response: ServerResponse, body?: unknown): Promise<void> {
    response.socket?.setNoDelay(true)
    if (this.closed) return fail(response, 404, -32001, 'Session not found')
    const version = request.headers['mcp-protocol-version']
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return fail(response, 400, -32000, `Bad Request: Unsupported protocol version ${version}.`)
    }
    const accept = request.headers.accept ?? ''
    switch (request.method) {
      case 'POST':
        if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
          return fail(
            response,
            406,
            -32000,
            'Not Acceptable: Client must accept both application/json and text/event-stream',
          )
        }
        if (!(request.headers['content-type'] ?? '').includes('application/json')) {
          return fail(response, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json')
        }
        return this.post(response, body)
      case 'GET':
        if (!accept.includes('text/event-stream')) {
          return fail(response, 406, -32000, 'Not Acceptable: Client must accept text/event-stream')
        }
        if (this.standalone !== undefined) {
          return fail(response, 409, -32000, 'Conflict: Only one SSE stream is allowed per session')
        }
        this.standalone = response
        response.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId ?? '' })
        response.flushHeaders()
        response.on('close', () => {
          if (this.standalone === response) this.standalone = undefined
        })
        return
      case 'DELETE':
        response.writeHead(200).end()
        await this.close()
        return
      default:
        response.setHeader('allow', 'GET, POST, DELETE')
        return fail(response, 405, -32000, 'Method not allowed.')
    }
  }

  private post(response: ServerResponse, body: unknown): void {
    const messages: unknown[] = Array.isArray(body) ? body : [body]
    if (messages.length === 0 || messages.length > MAX_BATCH || !messages.every(isMessage)) {
      fail(response, 400, -32700, 'Parse error: Invalid JSON-RPC message')
      return
    }
    const initialize = messages.some((message) => message.method === 'initialize')
    if (initialize) {
      if (this.sessionId !== undefined) {
        fail(response, 400, -32600, 'Invalid Request: Server already initialized')
        return
      }
      if (messages.length > 1) {
        fail(response, 400, -32600, 'Invalid Request: Only one initialization request is allowed')
        return
      }
      this.sessionId = randomUUID()
      this.options.onsessioninitialized?.(this.sessionId)
    } else if (this.sessionId === undefined) {
      fail(response, 400, -32000, 'Bad Request: Server not initialized')
      return
    }
    const ids = messages.filter(isRequest).map((message) => message.id as RequestId)
    if (ids.length === 0) {
      response.writeHead(202).end()
    } else {
      const pending: Pending = { response, ids, answers: new Map(), streaming: false }
      for (const id of ids) this.pending.set(id, pending)
      response.on('close', () => {
        // The client went away: its answers have nowhere to go.
        for (const id of ids) if (this.pending.get(id) === pending) this.pending.delete(id)
      })
    }
    for (const message of messages) this.onmessage?.(message as JSONRPCMessage)
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const raw = message as Message
    const id = isAnswer(raw) ? raw.id : options?.relatedRequestId
    if (id === undefined) {
      if (isAnswer(raw)) throw new Error('Cannot send a response without a request.')
      this.standalone?.write(event(message))
      return
    }
    const pending = this.pending.get(id)
    if (pending === undefined) throw new Error(`No connection established for request ID: ${String(id)}`)
    const { response } = pending
    if (!isAnswer(raw)) {
      if (!pending.streaming) {
        pending.streaming = true
        response.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': this.sessionId ?? '' })
      }
      response.write(event(message))
      return
    }
    pending.answers.set(id, message)
    if (pending.answers.size < pending.ids.length) {
      if (pending.streaming) response.write(event(message))
      return
    }
    for (const answered of pending.ids) this.pending.delete(answered)
    if (pending.streaming) {
      response.end(event(message))
      return
    }
    const answers = pending.ids.map((answered) => pending.answers.get(answered))
    const text = JSON.stringify(answers.length === 1 ? answers[0] : answers)
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'mcp-session-id': this.sessionId ?? '',
    })
    response.end(text)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const open = new Set([...this.pending.values()].map((pending) => pending.response))
    this.pending.clear()
    for (const response of open) {
      if (response.headersSent) response.end()
      else fail(response, 404, -32001, 'Session closed')
    }
    this.standalone?.end()
    this.standalone = undefined
    this.onclose?.()
  }
}

import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { HttpSessionTransport } from './http-session-transport'

/** How the proxy serves MCP clients over Streamable HTTP. */
export interface HttpDownstreamOptions {
  /** Port to listen on (default 0: an ephemeral port; read `proxy.url`). */
  readonly port?: number | undefined
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string | undefined
  /** The MCP endpoint's path (default `/mcp`). */
  readonly path?: string | undefined
  /** When set, clients must send `Authorization: Bearer <token>`. */
  readonly token?: string | undefined
  /** Largest request body in bytes (default 4 MiB). */
  readonly maxBodyBytes?: number | undefined
  /**
   * A session no request touched for this long is closed with its upstream connection (and, for a
   * command upstream, its process), in milliseconds (default 30 minutes).
   */
  readonly sessionIdleMs?: number | undefined
}

/** A running HTTP endpoint; each MCP session gets its own upstream connection. */
export interface HttpDownstream {
  readonly url: string
  /** Open MCP sessions (each with its upstream connection). */
  readonly sessions: number
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

function answer(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }))
}

function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        // Stop reading; the caller answers 413 and closes the connection.
        request.off('data', onData)
        request.pause()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

const isInitialize = (body: unknown): boolean =>
  Array.isArray(body)
    ? body.some(isInitialize)
    : typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize'

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * Serves the Streamable HTTP transport. `connect` is called with each new session's server
 * transport (unstarted) and joins it to a fresh upstream connection.
 */
export async function startHttpDownstream(
  options: HttpDownstreamOptions,
  connect: (transport: Transport) => Promise<void>,
): Promise<HttpDownstream> {
  const host = options.host ?? '127.0.0.1'
  const path = options.path ?? '/mcp'
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024
  const sessions = new Map<string, HttpSessionTransport>()
  const lastSeen = new Map<string, number>()
  const idleMs = options.sessionIdleMs ?? 30 * 60 * 1000
  const sweeper = setInterval(
    () => {
      const now = Date.now()
      for (const [id, seen] of lastSeen) {
        if (now - seen <= idleMs) continue
        lastSeen.delete(id)
        const session = sessions.get(id)
        sessions.delete(id)
        session?.close().catch(() => {})
      }
    },
    Math.max(10, Math.min(idleMs / 2, 60_000)),
  )
  sweeper.unref()
  let port = 0

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://proxy.invalid')
    if (url.pathname !== path) return answer(response, 404, `Not found: the MCP endpoint is ${path}.`)
    // DNS rebinding: a loopback proxy answers only requests addressed to loopback.
    if (LOOPBACK.has(host)) {
      const hostHeader = (request.headers.host ?? '').replace(/:\d+$/, '')
      if (!LOOPBACK.has(hostHeader)) return answer(response, 403, 'Forbidden host.')
    }
    if (options.token !== undefined && !tokenMatches(request.headers.authorization, options.token)) {
      return answer(response, 401, 'Unauthorized: send Authorization: Bearer <token>.')
    }
    const sessionId = request.headers['mcp-session-id']
    let body: unknown
    if (request.method === 'POST') {
      const declared = Number(request.headers['content-length'] ?? 0)
      const text = declared > limit ? undefined : await readBody(request, limit)
      if (text === undefined) {
        response.setHeader('connection', 'close')
        response.on('finish', () => request.destroy())
        return answer(response, 413, `The request body is larger than ${limit} bytes.`)
      }
      try {
        body = JSON.parse(text)
      } catch {
        return answer(response, 400, 'Parse error: the body is not JSON.')
      }
    }
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId)
      if (session === undefined) return answer(response, 404, 'Session not found: initialize a new one.')
      lastSeen.set(sessionId, Date.now())
      return session.handleRequest(request, response, body)
    }
    if (request.method !== 'POST' || !isInitialize(body)) {
      return answer(
        response,
        400,
        'Bad request: no session id, and the request is not an initialize request.',
      )
    }
    const transport: HttpSessionTransport = new HttpSessionTransport({
      onsessioninitialized: (id) => {
        sessions.set(id, transport)
        lastSeen.set(id, Date.now())
      },
    })
    await connect(transport)
    const previousClose = transport.onclose
    transport.onclose = () => {
      if (transport.sessionId !== undefined) {
        sessions.delete(transport.sessionId)
        lastSeen.delete(transport.sessionId)
      }
      previousClose?.()
    }
    await transport.handleRequest(request, response, body)
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      answer(response, 500, `Proxy error: ${String(error)}`),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}${path}`,
    get sessions() {
      return sessions.size
    },
    async close() {
      clearInterval(sweeper)
      await Promise.allSettled([...sessions.values()].map((session) => session.close()))
      sessions.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

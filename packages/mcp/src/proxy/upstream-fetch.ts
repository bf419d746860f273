import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'

/** Keep-alive connections shared by every upstream session of this process. */
let agents: { http: HttpAgent; https: HttpsAgent } | undefined

/** Statuses whose response has no body (a `Response` with one would throw). */
const NULL_BODY = new Set([101, 103, 204, 205, 304])

function responseOf(incoming: IncomingMessage, body: ReadableStream<Uint8Array> | null): Response {
  const headers = new Headers()
  const raw = incoming.rawHeaders
  for (let index = 0; index + 1 < raw.length; index += 2) {
    headers.append(raw[index] as string, raw[index + 1] as string)
  }
  return new Response(body, {
    status: incoming.statusCode ?? 502,
    statusText: incoming.statusMessage ?? '',
    headers,
  })
}

/**
 * The `fetch` of the proxy's Streamable HTTP client transport to its upstream: `node:http(s)`
 * over keep-alive connections, each request with its own abort handling tied to the session's
 * signal and released when the response ends.
 *
 * Two costs of Node's own `fetch` (undici) made most of the latency the proxy added over HTTP
 * (decision 0071): about twice the CPU per request of `node:http`, and a listener left on the
 * session's long-lived abort signal per request until garbage collection, which every later
 * request pays for (and past 1 500, a `MaxListenersExceededWarning` built and written per request).
 * A request whose body is not a string (none that the transport sends without an auth provider)
 * goes to `fallback` (default the global `fetch`).
 */
export function createUpstreamFetch(fallback: FetchLike = globalThis.fetch): FetchLike {
  return (input, init) => {
    const url = typeof input === 'string' ? new URL(input) : input
    const body = init?.body
    if (
      (body !== undefined && body !== null && typeof body !== 'string') ||
      !/^https?:$/.test(url.protocol)
    ) {
      return fallback(input, init)
    }
    const signal = init?.signal ?? undefined
    if (signal?.aborted) return Promise.reject(signal.reason)
    agents ??= {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({ keepAlive: true }),
    }
    const secure = url.protocol === 'https:'
    const headers: Record<string, string> = {}
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value
    })
    if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body))
    return new Promise<Response>((resolve, reject) => {
      const outgoing = (secure ? httpsRequest : httpRequest)(url, {
        method: init?.method ?? 'GET',
        headers,
        agent: secure ? agents?.https : agents?.http,
      })
      let settled = false
      const onAbort = (): void => {
        outgoing.destroy(signal?.reason)
      }
      const release = (): void => signal?.removeEventListener('abort', onAbort)
      signal?.addEventListener('abort', onAbort, { once: true })
      outgoing.once('error', (error) => {
        release()
        if (!settled) {
          settled = true
          reject(signal?.aborted ? signal.reason : error)
        }
      })
      outgoing.once('response', (incoming) => {
        settled = true
        incoming.once('close', release)
        if (NULL_BODY.has(incoming.statusCode ?? 0) || init?.method === 'HEAD') {
          incoming.resume()
          resolve(responseOf(incoming, null))
          return
        }
        resolve(responseOf(incoming, Readable.toWeb(incoming) as ReadableStream<Uint8Array>))
      })
      outgoing.setNoDelay(true)
      outgoing.end(body ?? undefined)
    })
  }
}

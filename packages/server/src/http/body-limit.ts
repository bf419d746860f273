import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from './context'

/** Past this many bytes an oversized body is no longer read: the 413 goes out and the connection closes. */
export const OVERSIZED_BODY_READ_LIMIT_BYTES: number = 64 * 1024 * 1024

/**
 * Reads to its end whatever request body the app answered without reading (up to
 * {@link OVERSIZED_BODY_READ_LIMIT_BYTES}) before the answer goes out: a body refused for its size,
 * and any early answer to a request with a body (a 401, 403, 404, 422 before parsing…). Left
 * unread, the body would be drained by the Node adapter for at most 500 ms, after which it resets
 * the connection: a client still uploading, as any client is under load, saw ECONNRESET instead of
 * the answer and could not tell why. Past the read limit the answer says `connection: close`.
 *
 * Mounted first, so that it runs after every other middleware and the error handler.
 */
export function unreadBodyDrain(): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    await next()
    const incoming = (context.env as { incoming?: IncomingMessage } | undefined)?.incoming
    if (incoming === undefined || incoming.readableEnded || !hasBody(context)) return
    // An answer that closes the connection needs none of the rest: `bodyLimitGuard` gave up on a
    // chunked body past the read limit, and reading on would double that limit.
    if (context.res.headers.get('connection') === 'close') return
    if (!(await discardBody(incoming))) context.header('connection', 'close')
  }
}

function hasBody(context: Context<AppEnv>): boolean {
  if (context.req.header('transfer-encoding') !== undefined) return true
  const length = context.req.header('content-length')
  return length !== undefined && length !== '0'
}

/**
 * Refuses request bodies over `limitBytes` with `tooLarge()` (a 413).
 *
 * With a Content-Length (what SDKs send) the header decides, without building a web `Request`
 * (about 5% of a small push's CPU); {@link unreadBodyDrain} then reads the refused body. A chunked
 * body is read here, and handed on as bytes.
 */
export function bodyLimitGuard(limitBytes: number, tooLarge: () => Error): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    if (context.req.header('transfer-encoding') !== undefined) {
      const body = context.req.raw.body
      if (body !== null) {
        const read = await readChunked(body, limitBytes)
        if (read.bytes === undefined) {
          if (!read.whole) context.header('connection', 'close')
          throw tooLarge()
        }
        context.req.raw = new Request(context.req.raw, { body: read.bytes })
      }
    } else {
      const length = context.req.header('content-length')
      if (length !== undefined && Number(length) > limitBytes) throw tooLarge()
    }
    await next()
  }
}

/** The body's bytes when it fits in `limitBytes`; otherwise none, and whether it was read to its end. */
async function readChunked(
  body: ReadableStream<Uint8Array>,
  limitBytes: number,
): Promise<{ bytes: Uint8Array<ArrayBuffer> | undefined; whole: boolean }> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > OVERSIZED_BODY_READ_LIMIT_BYTES) {
      await reader.cancel().catch(() => {})
      return { bytes: undefined, whole: false }
    }
    if (size <= limitBytes) chunks.push(value)
    else chunks.length = 0
  }
  return size > limitBytes ? { bytes: undefined, whole: true } : { bytes: Buffer.concat(chunks), whole: true }
}

/**
 * Reads and discards a Node request's body up to `maxBytes`. Resolves `true` once the whole body
 * is read, `false` when there is no Node request to read, the body is larger than `maxBytes`, or
 * the client goes away.
 */
export function discardBody(
  incoming: IncomingMessage | undefined,
  maxBytes: number = OVERSIZED_BODY_READ_LIMIT_BYTES,
): Promise<boolean> {
  if (incoming === undefined || typeof incoming.resume !== 'function' || incoming.destroyed) {
    return Promise.resolve(false)
  }
  if (incoming.readableEnded) return Promise.resolve(true)
  return new Promise((resolve) => {
    let read = 0
    const finish = (whole: boolean) => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('close', onClose)
      incoming.off('error', onClose)
      if (!whole) incoming.pause()
      resolve(whole)
    }
    const onData = (chunk: Buffer) => {
      read += chunk.length
      if (read > maxBytes) finish(false)
    }
    const onEnd = () => finish(true)
    const onClose = () => finish(false)
    incoming.on('data', onData)
    incoming.once('end', onEnd)
    incoming.once('close', onClose)
    incoming.once('error', onClose)
    incoming.resume()
  })
}

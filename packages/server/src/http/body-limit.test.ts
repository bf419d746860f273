import { createServer, type IncomingMessage, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { discardBody } from './body-limit'

describe('discardBody', () => {
  let close: (() => void) | undefined
  afterEach(() => close?.())

  /** Posts `bytes` bytes to a server that discards them with `maxBytes`; resolves with what it said. */
  async function discardOver(bytes: number, maxBytes: number): Promise<boolean> {
    let verdict!: (whole: boolean) => void
    const result = new Promise<boolean>((resolve) => {
      verdict = resolve
    })
    const server = createServer(async (incoming: IncomingMessage, outgoing) => {
      const whole = await discardBody(incoming, maxBytes)
      verdict(whole)
      outgoing.writeHead(413, whole ? {} : { connection: 'close' }).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    close = () => server.close()
    const { port } = server.address() as AddressInfo
    const req = request({ port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': bytes } })
    req.on('error', () => {}) // the server may close before the whole body is sent
    req.on('response', (res) => res.resume())
    req.end(Buffer.alloc(bytes, 120))
    return result
  }

  it('reads a body up to its limit to the end', async () => {
    expect(await discardOver(200_000, 200_000)).toBe(true)
  })

  it('stops reading past its limit', async () => {
    expect(await discardOver(200_000, 50_000)).toBe(false)
  })

  it('has nothing to read without a Node request', async () => {
    expect(await discardBody(undefined)).toBe(false)
  })
})

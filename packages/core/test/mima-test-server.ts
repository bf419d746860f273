import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createMimaRecorder,
  type MimaRecorder,
  type MimaRecorderOptions,
  type RecordedRequest,
} from '../src/testing'

/** A scripted answer for the next request(s) whose path matches. */
export interface ScriptedAnswer {
  readonly match: RegExp
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
  /** Also let the recorder store the request before answering with this status (a reply lost after commit). */
  readonly thenRecord?: boolean
}

export interface TestServer {
  readonly url: string
  readonly port: number
  readonly recorder: MimaRecorder
  /** Every request that reached the socket, including scripted ones. */
  readonly requests: RecordedRequest[]
  /** Answers the next matching request with this instead of the normal API. */
  script(...answers: ScriptedAnswer[]): void
  close(): Promise<void>
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port, speaking the Mima API through the recorder. */
export async function startTestServer(options: MimaRecorderOptions = {}, port = 0): Promise<TestServer> {
  const recorder = createMimaRecorder(options)
  const requests: RecordedRequest[] = []
  const queue: ScriptedAnswer[] = []
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string') headers[name] = value
    const path = request.url ?? '/'
    let parsed: unknown
    try {
      parsed = body ? JSON.parse(body) : undefined
    } catch {
      parsed = body
    }
    requests.push({ method: request.method ?? 'GET', path, headers, body: parsed })
    const index = queue.findIndex((answer) => answer.match.test(path))
    if (index >= 0) {
      const [answer] = queue.splice(index, 1) as [ScriptedAnswer]
      if (answer.thenRecord) recorder.handle(request.method ?? 'GET', path, headers, body)
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
      return
    }
    const answer = recorder.handle(request.method ?? 'GET', path, headers, body)
    response.writeHead(answer.status, answer.headers)
    response.end(answer.body)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    recorder,
    requests,
    script: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

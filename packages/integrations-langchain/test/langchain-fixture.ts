import { createMima, type Mima } from '@mima/core'
import {
  readAttestations,
  type ServedAttestation,
  startTestServer,
  type TestServer,
} from '@mima-internal/test-server'

/** A real Mima server and a client reporting into it, for one test file. */
export interface MimaFixture {
  server: TestServer
  mima: Mima
  /** Attestations stored since the last call (waits for LangChain's background callbacks first). */
  recorded(): Promise<ServedAttestation[]>
  close(): Promise<void>
}

export async function startMimaFixture(awaitCallbacks: () => Promise<void>): Promise<MimaFixture> {
  const server = await startTestServer()
  const mima = createMima({
    apiKey: await server.createKey('ingest', 'research-assistant'),
    systemName: 'research-assistant',
    baseUrl: server.baseUrl,
    workspaceId: server.workspaceId,
    onError: 'raise',
    flushOnExit: false,
    configFile: false,
    env: {},
    outbox: { directory: false },
  })
  let seen = 0
  return {
    server,
    mima,
    async recorded() {
      await awaitCallbacks()
      await mima.flush()
      const all = await readAttestations(server)
      const fresh = all.slice(seen)
      seen = all.length
      return fresh
    },
    async close() {
      await mima.close()
      await server.close()
    },
  }
}

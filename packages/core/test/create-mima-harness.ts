import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { createMima } from '../src/client/create-mima'
import type { Mima, MimaOptions } from '../src/client/types'
import { startTestServer, type TestServer } from './mima-test-server'

/** What each `createMima` test works with, made afresh before every test. */
export interface ClientHarness {
  /** This test's fake server; a test may close it and start another in its place (closed after the test). */
  server: TestServer
  /** This test's outbox directory (removed after the test). */
  directory: string
  /** What the clients logged as warnings during this test. */
  readonly warnings: string[]
  /** A client of this test's server: no exit hook, quick retries, warnings collected. */
  client(options?: MimaOptions): Mima
  /** The requests that carried attestations, in order. */
  attestationRequests(): TestServer['requests']
}

/** Registers the per-test hooks (call it at the top of a test file) and returns the harness they fill. */
export function useClientHarness(): ClientHarness {
  const warnings: string[] = []
  const logger = { warn: (message: string) => warnings.push(message) }
  const harness: ClientHarness = {
    server: undefined as unknown as TestServer,
    directory: '',
    warnings,
    client: (options = {}) =>
      createMima({
        apiKey: 'mima_ext_test',
        systemName: 'loan-scorer',
        baseUrl: harness.server.url,
        workspaceId: 'ws-test',
        env: {},
        configFile: false,
        flushOnExit: false,
        logger,
        retry: { limit: 2, backoffLimit: 20 },
        outbox: { directory: harness.directory },
        ...options,
      }),
    attestationRequests: () =>
      harness.server.requests.filter((request) => request.path.includes('/attestations/')),
  }
  beforeEach(async () => {
    harness.server = await startTestServer()
    harness.directory = mkdtempSync(join(tmpdir(), 'mima-core-'))
    warnings.length = 0
  })
  afterEach(async () => {
    await harness.server.close()
    rmSync(harness.directory, { recursive: true, force: true })
  })
  return harness
}

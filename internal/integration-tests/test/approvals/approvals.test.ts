import { createMima } from '@mima/core'
import { afterAll, beforeAll, describe } from 'vitest'
import { BACKENDS, type SharedFixture, startApprovalsFixture } from './approvals-helpers'
import { flowTests } from './flow-tests'
import { streamTests } from './stream-tests'
import { tokenTests } from './token-tests'

// One server per backend for every group (a PGlite snapshot and a server start are the costly part).
describe.each(BACKENDS)('approvals end to end on %s', (backend) => {
  const shared = {} as SharedFixture
  beforeAll(async () => {
    shared.fixture = await startApprovalsFixture(backend)
    shared.mima = createMima({
      apiKey: shared.fixture.agentKey,
      baseUrl: shared.fixture.server.baseUrl,
      systemName: 'payments-agent',
      authorisedBy: { identity: 'alice@example.com' },
      onError: 'raise',
      flushOnExit: false,
      outbox: { directory: false },
    })
  })
  afterAll(async () => {
    await shared.mima?.close()
    await shared.fixture?.close()
  })

  describe('requests and decisions', () => flowTests(shared))
  describe('live stream and polling fallback', () => streamTests(shared))
  describe('tokens', () => tokenTests(shared))
})

import { startTestServer } from '@mima-internal/test-server'
import { expect, it } from 'vitest'
it('big body', async () => {
  const server = await startTestServer({ database: 'pglite' })
  const body = JSON.stringify(Object.fromEntries(Array.from({ length: 155 }, (_, i) => [`f${i}`, 'a'.repeat(100_000)])))
  for (const path of ['/api/workspaces', `/api/workspaces/${server.workspaceId}/governance/attestations/external`, '/api/nowhere']) {
    for (let i = 0; i < 3; i++) {
      const t = performance.now()
      const response = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' }, body }).catch((e) => ({ status: String(e.cause) }))
      console.log('RESULT', path, (response as Response).status, Math.round(performance.now() - t), 'ms')
    }
  }
  await server.close()
}, 120_000)

import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { bun, deno, node22, node24, workerd } from '@mima-internal/runtimes'
import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RuntimeResult, runBinary, startWorker } from './run-runtime'

// @mima/core's built package (what users install) on every runtime CI covers, against a real
// server: attest with an Ed25519 signature, flush, then verify the signed tree head and the
// record's inclusion proof. The fixture reports each check; all must hold.
let server: TestServer
let apiKey: string
beforeAll(async () => {
  server = await startTestServer()
  apiKey = await server.createKey('ingest')
})
afterAll(() => server?.close())

function target(runtime: string): string {
  return JSON.stringify({
    baseUrl: server.baseUrl,
    apiKey,
    workspaceId: server.workspaceId,
    systemName: `runtime-${runtime}-${randomUUID()}`,
  })
}

const EVERY_CHECK_HOLDS = {
  output: 'label:hello',
  pendingAfterFlush: 0,
  trustTier: 'verified',
  signature: 'valid',
  signedBy: true,
  inputHash: true,
  treeHead: true,
  leafMatches: true,
  included: true,
}

function report(result: RuntimeResult): unknown {
  expect(result, result.stderr).toMatchObject({ code: 0 })
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')
}

const fixture = (name: string): string => join('fixtures', name)

describe('@mima/core on every runtime, against a real server', () => {
  const nodes = [
    { name: `the machine's Node ${process.version}`, binary: () => process.execPath },
    { name: 'Node 22', binary: node22 },
    { name: 'Node 24', binary: node24 },
  ]
  it.each(nodes)('$name, through require (the CommonJS build) and import', async ({ binary }) => {
    const required = await runBinary(binary(), [fixture('run-commonjs.cjs'), target('node-cjs')])
    expect(report(required)).toEqual(EVERY_CHECK_HOLDS)
    const imported = await runBinary(binary(), [fixture('run-esm.mjs'), target('node-esm')])
    expect(report(imported)).toEqual(EVERY_CHECK_HOLDS)
  })

  it('Bun, through import and require', async () => {
    const imported = await runBinary(bun(), [fixture('run-esm.mjs'), target('bun-esm')])
    expect(report(imported)).toEqual(EVERY_CHECK_HOLDS)
    const required = await runBinary(bun(), [fixture('run-commonjs.cjs'), target('bun-cjs')])
    expect(report(required)).toEqual(EVERY_CHECK_HOLDS)
  })

  it('Deno', async () => {
    const result = await runBinary(deno(), [
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      fixture('run-esm.mjs'),
      target('deno'),
    ])
    expect(report(result)).toEqual(EVERY_CHECK_HOLDS)
  })

  it('workerd (Cloudflare Workers), inside a request', async () => {
    const worker = await startWorker(workerd())
    try {
      const response = await fetch(`${worker.url}/?target=${encodeURIComponent(target('workerd'))}`)
      const body = await response.text()
      expect(response.status, `${body}\n${worker.output()}`).toBe(200)
      expect(JSON.parse(body)).toEqual(EVERY_CHECK_HOLDS)
    } finally {
      await worker.close()
    }
  })
})

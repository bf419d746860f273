import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useClientHarness } from '../../test/create-mima-harness'
import { startTestServer } from '../../test/mima-test-server'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { MimaError } from '../errors/mima-error'
import { sha256HexPortable } from '../hashing/sha256'
import type { createMima } from './create-mima'

// How createMima delivers records: batches, retries with one idempotency key, onError, and the
// durable outbox across a server outage and a restart.

const harness = useClientHarness()
const { client, warnings, attestationRequests } = harness

describe('batch mode and the batch endpoint', () => {
  it('buffers, sends batches of batchMaxSize, keeps order and sends each record once', async () => {
    const mima = client({ batchMaxSize: 100 })
    const step = mima.attest({ toolName: 'step', mode: 'batch' }, (index: number) => index)
    for (let index = 0; index < 250; index++) step(index)
    expect(attestationRequests()).toHaveLength(0) // nothing sent synchronously
    const summary = await mima.flush()
    expect(summary.pending).toBe(0)
    const batches = attestationRequests()
    expect(batches.every((request) => request.path.endsWith('/attestations/batch'))).toBe(true)
    expect(batches.map((request) => (request.body as { records: unknown[] }).records.length)).toEqual([
      100, 100, 50,
    ])
    const inputs = harness.server.recorder.attestations.map((record) => record.input_hash)
    expect(inputs).toEqual(Array.from({ length: 250 }, (_, index) => sha256HexPortable(`[${index}]`)))
    const keys = batches.flatMap((request) =>
      (request.body as { records: AttestationPayload[] }).records.map((r) => r.idempotency_key),
    )
    expect(new Set(keys).size).toBe(250)
  })

  it('falls back to one request per record when the server has no batch endpoint (404)', async () => {
    await harness.server.close()
    harness.server = await startTestServer({ supportsBatch: false })
    const mima = client()
    const batch = mima.batch()
    batch.add('a', { input: 1, output: 2 })
    batch.add('b', { inputHash: 'c'.repeat(64), outputHash: '' })
    expect(await batch.send()).toEqual({ sent: 2, rejected: 0, pending: 0 })
    expect(attestationRequests().map((request) => request.path.split('/').at(-1))).toEqual([
      'batch',
      'external',
      'external',
    ])
    expect(harness.server.recorder.attestations.map((record) => record.tool_name)).toEqual(['a', 'b'])
    expect(harness.server.recorder.attestations[0]?.input_hash).toBe(sha256HexPortable('1'))
    // The 404 is remembered: the next batch goes straight to per-record sends.
    await mima.batch(async (next) => next.add('c'))
    expect(attestationRequests().at(-2)?.path).toMatch(/external$/)
  })

  it('reports rejected records per onError and delivers the rest', async () => {
    await harness.server.close()
    harness.server = await startTestServer({
      reject: (record) => (record.tool_name === 'bad' ? 'tool not allowed' : undefined),
    })
    const mima = client()
    const batch = mima.batch()
    batch.add('good')
    batch.add('bad')
    batch.add('good')
    expect(await batch.send()).toEqual({ sent: 2, rejected: 1, pending: 0 })
    expect(warnings.join('\n')).toMatch(/1 record\(s\) rejected.*tool not allowed/)
    const raising = client({ onError: 'raise' })
    await expect(raising.push('bad', '', '')).rejects.toMatchObject({
      code: 'validation_failed',
      status: 422,
    })
  })
})

describe('retries and idempotency', () => {
  it('retries 429 honouring Retry-After in seconds and as an HTTP date, 503 and 408, with one idempotency key', async () => {
    const mima = client({ retry: { limit: 4, backoffLimit: 20 } })
    harness.server.script(
      {
        match: /external$/,
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'rate_limited' } },
      },
      { match: /external$/, status: 503, body: {} },
      {
        match: /external$/,
        status: 429,
        headers: { 'retry-after': new Date(Date.now() - 1000).toUTCString() },
      },
      { match: /external$/, status: 408 },
    )
    const result = await mima.push('t', '', '')
    expect(result.status).toBe('sent')
    const attempts = attestationRequests()
    expect(attempts).toHaveLength(5)
    expect(new Set(attempts.map((request) => request.headers['idempotency-key'])).size).toBe(1)
    const second = await mima.push('u', '', '')
    expect(second.status).toBe('sent')
    expect(harness.server.recorder.attestations.map((record) => record.tool_name)).toEqual(['t', 'u'])
  })

  it('does not retry a client error, and reports it', async () => {
    const mima = client({ onError: 'raise' })
    harness.server.script({
      match: /external$/,
      status: 400,
      body: { error: { code: 'bad_request', message: 'schema_version must be 2' } },
    })
    await expect(mima.push('t', '', '')).rejects.toMatchObject({
      code: 'bad_request',
      status: 400,
      message: expect.stringMatching(/schema_version must be 2/),
    })
    expect(attestationRequests()).toHaveLength(1)
    expect(mima.pending).toBe(0) // refused for good: not kept
  })

  it('never duplicates a record whose reply was lost: the retry carries the same key', async () => {
    const mima = client()
    harness.server.script({ match: /external$/, status: 503, thenRecord: true })
    const result = await mima.push('once', '', '')
    expect(result.status).toBe('sent')
    expect(attestationRequests()).toHaveLength(2)
    expect(harness.server.recorder.attestations).toHaveLength(1)
    expect(result.idempotencyKey).toBe(harness.server.recorder.attestations[0]?.idempotency_key)
  })
})

describe('onError', () => {
  async function downClient(onError: 'warn' | 'raise' | 'silent'): Promise<ReturnType<typeof createMima>> {
    for (let index = 0; index < 3; index++)
      harness.server.script({ match: /external$/, status: 500, body: { error: { message: 'db down' } } })
    return client({ onError })
  }

  it('warn: logs, returns a queued result, keeps the record and delivers it later', async () => {
    const mima = await downClient('warn')
    const result = await mima.push('t', '', '')
    expect(result).toMatchObject({ status: 'queued', attestationId: '' })
    expect(warnings.join('\n')).toMatch(
      /\[mima\] Attestation push failed: HTTP 500 — db down.*kept in the outbox/,
    )
    expect(mima.pending).toBe(1)
    await mima.flush()
    expect(mima.pending).toBe(0)
    expect(harness.server.recorder.attestations).toHaveLength(1)
  })

  it('raise: throws a MimaError, still keeps the record', async () => {
    const mima = await downClient('raise')
    const error = await mima.push('t', '', '').catch((caught: unknown) => caught)
    expect(MimaError.isInstance(error)).toBe(true)
    expect((error as MimaError).code).toBe('server_error')
    expect(mima.pending).toBe(1)
    await mima.close()
    expect(harness.server.recorder.attestations).toHaveLength(1)
  })

  it('silent: says nothing, still keeps the record', async () => {
    const mima = await downClient('silent')
    expect((await mima.push('t', '', '')).status).toBe('queued')
    expect(warnings).toEqual([])
    await mima.flush()
    expect(harness.server.recorder.attestations).toHaveLength(1)
  })

  it('does not make callers wait through retries while the server is known to be down', async () => {
    const mima = await downClient('silent')
    const first = await mima.push('first', '', '')
    expect(first.status).toBe('queued')
    const before = attestationRequests().length
    expect((await mima.push('second', '', '')).status).toBe('queued')
    expect(attestationRequests()).toHaveLength(before) // went straight to the outbox
    expect(mima.pending).toBe(2)
    await mima.flush()
    expect(harness.server.recorder.attestations.map((record) => record.tool_name)).toEqual([
      'first',
      'second',
    ])
  })

  it('raise: a background failure surfaces from flush()', async () => {
    const mima = client({ onError: 'raise', retry: { limit: 0 } })
    mima.attest({ toolName: 'bg', mode: 'batch' }, () => 1)()
    harness.server.script({ match: /batch$/, status: 500 })
    await expect(mima.flush()).rejects.toMatchObject({ code: 'server_error' })
    expect(mima.pending).toBe(1)
    await mima.flush()
    expect(mima.pending).toBe(0)
  })
})

describe('durable outbox', () => {
  it('spills past the memory cap, survives a restart and replays in order', async () => {
    const port = harness.server.port
    await harness.server.close()
    const first = client({
      outbox: { directory: harness.directory, maxMemoryRecords: 10 },
      retry: { limit: 0 },
      baseUrl: `http://127.0.0.1:${port}`,
    })
    const step = first.attest({ toolName: 'step', mode: 'batch' }, (index: number) => index)
    for (let index = 0; index < 55; index++) step(index)
    expect(first.pending).toBe(55)
    await first.close() // server down: the flush fails, everything is saved to disk
    const spill = readFileSync(join(harness.directory, 'loan-scorer.jsonl'), 'utf8').trim().split('\n')
    expect(spill).toHaveLength(55)
    expect(warnings.join('\n')).toMatch(/kept in the outbox/)

    harness.server = await startTestServer({}, port)
    const second = client({
      outbox: { directory: harness.directory, maxMemoryRecords: 10 },
      baseUrl: `http://127.0.0.1:${port}`,
    })
    expect(second.pending).toBe(55)
    second.attest({ toolName: 'after-restart', mode: 'batch' }, () => 'new')()
    await second.flush()
    const tools = harness.server.recorder.attestations.map((record) => record.tool_name)
    expect(tools).toHaveLength(56)
    expect(tools.at(-1)).toBe('after-restart')
    expect(harness.server.recorder.attestations.slice(0, 55).map((record) => record.input_hash)).toEqual(
      Array.from({ length: 55 }, (_, index) => sha256HexPortable(`[${index}]`)),
    )
    expect(second.pending).toBe(0)
    await second.close()
    expect(() => readFileSync(join(harness.directory, 'loan-scorer.jsonl'))).toThrow() // drained files are removed
  })

  it('keeps only the memory cap in memory with no disk, reporting what it drops', async () => {
    const port = harness.server.port
    await harness.server.close()
    const mima = client({
      outbox: { directory: false, maxMemoryRecords: 5 },
      retry: { limit: 0 },
      baseUrl: `http://127.0.0.1:${port}`,
    })
    for (let index = 0; index < 8; index++) mima.attest({ toolName: 'x', mode: 'batch' }, () => index)()
    expect(mima.pending).toBe(5)
    expect(warnings.filter((warning) => warning.includes('lost'))).toHaveLength(3)
  })
})

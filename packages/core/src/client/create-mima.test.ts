import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../test/mima-test-server'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { attestationSigningMessage } from '../attestation/sign-attestation'
import { getAttestedContext, isAttested } from '../context/attested-context'
import { MimaError } from '../errors/mima-error'
import { verifyGrcSignature } from '../grc/sign-grc-record'
import { canonicalJson } from '../hashing/canonical-json'
import { sha256HexPortable } from '../hashing/sha256'
import { generateSigningKey, verifyingKeyHex } from '../signing/ed25519'
import { createMima } from './create-mima'
import type { MimaOptions } from './types'

let server: TestServer
let directory: string
const warnings: string[] = []
const logger = { warn: (message: string) => warnings.push(message) }

beforeEach(async () => {
  server = await startTestServer()
  directory = mkdtempSync(join(tmpdir(), 'mima-core-'))
  warnings.length = 0
})

afterEach(async () => {
  await server.close()
  rmSync(directory, { recursive: true, force: true })
})

function client(options: MimaOptions = {}): ReturnType<typeof createMima> {
  return createMima({
    apiKey: 'mima_ext_test',
    systemName: 'loan-scorer',
    baseUrl: server.url,
    workspaceId: 'ws-test',
    env: {},
    configFile: false,
    flushOnExit: false,
    logger,
    retry: { limit: 2, backoffLimit: 20 },
    outbox: { directory },
    ...options,
  })
}

const attestationRequests = (): typeof server.requests =>
  server.requests.filter((request) => request.path.includes('/attestations/'))

describe('configuration', () => {
  it('fails at construction with a clear message when the API key or system name is missing', () => {
    expect(() => createMima({ systemName: 's', env: {}, configFile: false })).toThrow(/API key.*MIMA_API_KEY/)
    expect(() => createMima({ apiKey: 'k', env: {}, configFile: false })).toThrow(/systemName/)
    expect(() =>
      createMima({ apiKey: 'k', systemName: 's', env: {}, configFile: false, baseUrl: 'ftp://x' }),
    ).toThrow(/http\(s\) URL/)
    expect(() =>
      createMima({ apiKey: 'k', systemName: 's', env: {}, configFile: false, onError: 'loud' as never }),
    ).toThrow(/onError/)
  })

  it('falls back to the environment, then ~/.mima/config.json', async () => {
    const file = join(directory, 'config.json')
    writeFileSync(
      file,
      JSON.stringify({ api_key: 'from-file', workspace_id: 'ws-test', base_url: `${server.url}/api` }),
    )
    const fromFile = createMima({
      systemName: 's',
      env: {},
      configFile: file,
      flushOnExit: false,
      outbox: { directory },
    })
    await fromFile.push('t', '', '')
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer from-file')
    expect(server.requests.at(-1)?.path).toBe('/api/workspaces/ws-test/governance/attestations/external')

    const fromEnv = createMima({
      systemName: 's',
      env: { MIMA_API_KEY: 'from-env', MIMA_BASE_URL: server.url },
      configFile: file,
      flushOnExit: false,
      outbox: { directory },
    })
    await fromEnv.push('t', '', '')
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer from-env')
    expect(server.recorder.attestations.at(-1)?.witness_sig).toBeUndefined()
    const seed = generateSigningKey()
    const signedFromEnv = createMima({
      systemName: 's',
      env: {
        MIMA_API_KEY: 'k',
        MIMA_BASE_URL: server.url,
        MIMA_WORKSPACE_ID: 'ws-test',
        MIMA_SIGNING_KEY: seed,
      },
      configFile: false,
      flushOnExit: false,
      outbox: { directory },
    })
    await signedFromEnv.push('t', '', '')
    expect(server.recorder.attestations.at(-1)?.verifying_key_hex).toBe(verifyingKeyHex(seed))
    // The environment named a key and URL but no workspace: it is looked up for that key
    // (GET /api/me), never borrowed from the saved login.
    expect(await fromEnv.workspaceId()).toBe('ws-test')
    expect(
      server.requests.some(
        (request) => request.path === '/api/me' && request.headers.authorization === 'Bearer from-env',
      ),
    ).toBe(true)
  })

  it('resolves the workspace once through GET /api/me and caches it', async () => {
    const mima = client({ workspaceId: undefined as never })
    await Promise.all([mima.push('a', '', ''), mima.push('b', '', ''), mima.push('c', '', '')])
    await mima.push('d', '', '')
    expect(server.requests.filter((request) => request.path === '/api/me')).toHaveLength(1)
    expect(server.recorder.attestations).toHaveLength(4)
  })
})

describe('attest', () => {
  it('attests an async function: hashes, timing, principal, model, Idempotency-Key, attested context', async () => {
    const mima = client({ authorisedBy: { identity: 'alice@example.com', role: 'ml-engineer' } })
    let inside: unknown
    const classify = mima.attest(
      { toolName: 'classify', modelId: 'gpt-4o' },
      async (text: string, options: { lang: string }) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        inside = getAttestedContext()
        return { label: `${text}:${options.lang}` }
      },
    )
    const result = await classify('hello', { lang: 'fr' })
    expect(result).toEqual({ label: 'hello:fr' })
    expect(inside).toEqual({ toolName: 'classify', systemName: 'loan-scorer' })
    expect(isAttested()).toBe(false)

    const [request] = attestationRequests()
    const record = request?.body as AttestationPayload
    expect(request?.path).toBe('/api/workspaces/ws-test/governance/attestations/external')
    expect(request?.headers.authorization).toBe('Bearer mima_ext_test')
    expect(request?.headers['idempotency-key']).toBe(record.idempotency_key)
    expect(record.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
    // Independent computation: SHA-256 (noble) of the RFC 8785 text written by hand.
    expect(record.input_hash).toBe(sha256HexPortable('["hello",{"lang":"fr"}]'))
    expect(record.output_hash).toBe(sha256HexPortable('{"label":"hello:fr"}'))
    expect(record).toMatchObject({
      system_name: 'loan-scorer',
      agent_name: 'loan-scorer',
      tool_name: 'classify',
      schema_version: 2,
      model_id: 'gpt-4o',
      authorised_by: { identity: 'alice@example.com', role: 'ml-engineer' },
    })
    expect(record.duration_ms).toBeGreaterThan(0)
    expect(Date.parse(record.executed_at as string)).not.toBeNaN()
    expect(record.witness_sig).toBeUndefined()
  })

  it('attests a sync function without making it async, and uses the injected clock', async () => {
    const mima = client({ clock: { now: () => Date.UTC(2026, 5, 20, 12) } })
    const add = mima.attest('add', (a: number, b: number) => a + b)
    const sum: number = add(2, 3)
    expect(sum).toBe(5)
    await mima.flush()
    const record = server.recorder.attestationsFor('add')[0]
    expect(record?.executed_at).toBe('2026-06-20T12:00:00.000Z')
    expect(record?.output_hash).toBe(sha256HexPortable('5'))
  })

  it('rethrows the function’s own error untouched and records the failed call', async () => {
    const mima = client()
    const boom = new RangeError('secret detail')
    const failing = mima.attest({ toolName: 'fails' }, async () => {
      throw boom
    })
    await expect(failing()).rejects.toBe(boom)
    const syncFailing = mima.attest('fails-sync', () => {
      throw boom
    })
    expect(() => syncFailing()).toThrow(boom)
    await mima.flush()
    const record = server.recorder.attestationsFor('fails')[0]
    expect(record).toMatchObject({ outcome: 'error', error_type: 'RangeError', output_hash: '' })
    expect(JSON.stringify(record)).not.toContain('secret detail')
    expect(server.recorder.attestationsFor('fails-sync')).toHaveLength(1)
  })

  it('decorates class methods (TC39 decorators) and keeps `this`', async () => {
    const mima = client()
    const decorate = mima.attest({ toolName: 'score' })
    class Scorer {
      factor = 3
      async score(value: number): Promise<number> {
        return value * this.factor
      }
    }
    const method = Scorer.prototype.score
    Scorer.prototype.score = decorate(method, {
      kind: 'method',
      name: 'score',
    } as ClassMethodDecoratorContext<Scorer, typeof method>)
    expect(await new Scorer().score(2)).toBe(6)
    // experimentalDecorators form
    class Legacy {
      double(value: number): number {
        return value * 2
      }
    }
    const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, 'double') as PropertyDescriptor
    Object.defineProperty(
      Legacy.prototype,
      'double',
      mima.attest('double')(Legacy.prototype, 'double', descriptor),
    )
    expect(new Legacy().double(4)).toBe(8)
    await mima.flush()
    expect(server.recorder.attestationsFor('score')[0]?.input_hash).toBe(sha256HexPortable('[2]'))
    expect(server.recorder.attestationsFor('double')).toHaveLength(1)
  })

  it('reports inputs without a canonical form per onError, and hashes what hashInput picks', async () => {
    const raising = client({ onError: 'raise' })
    let ran = 0
    const withBigint = raising.attest('big', (amount: bigint) => {
      ran++
      return Number(amount)
    })
    expect(() => withBigint(1n)).toThrow(/bigint at \$\[0\]/)
    expect(ran).toBe(0) // raise: refused before anything ran
    const warning = client({ onError: 'warn' })
    expect(warning.attest('big', (amount: bigint) => Number(amount))(2n)).toBe(2) // warn: the app keeps working
    expect(warnings.join('\n')).toMatch(/attest\(big\) cannot hash its input: Cannot hash a bigint/)
    const mapped = raising.attest(
      { toolName: 'big', hashInput: (amount: bigint) => amount.toString() },
      (amount: bigint) => Number(amount),
    )
    expect(mapped(7n)).toBe(7)
    await raising.flush()
    await warning.flush()
    expect(server.recorder.attestationsFor('big').map((record) => record.input_hash)).toEqual([
      '',
      sha256HexPortable('"7"'),
    ])
  })

  it('keeps 1,000 concurrent attested tasks isolated from each other', async () => {
    const mima = client()
    const seen: string[] = []
    const tasks = Array.from({ length: 1000 }, (_, index) =>
      mima.attest({ toolName: `task-${index}`, mode: 'batch' }, async () => {
        for (let step = 0; step < 3; step++) {
          await new Promise((resolve) => setTimeout(resolve, (index * 7 + step) % 5))
          seen.push(`${index}:${getAttestedContext()?.toolName}`)
        }
        return index
      }),
    )
    const results = await Promise.all(tasks.map((task) => task()))
    expect(results).toEqual(Array.from({ length: 1000 }, (_, index) => index))
    expect(seen).toHaveLength(3000)
    for (const entry of seen) {
      const [index, toolName] = entry.split(':')
      expect(toolName).toBe(`task-${index}`)
    }
    expect(isAttested()).toBe(false)
    await mima.close()
    expect(server.recorder.attestations).toHaveLength(1000)
  })
})

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
    const inputs = server.recorder.attestations.map((record) => record.input_hash)
    expect(inputs).toEqual(Array.from({ length: 250 }, (_, index) => sha256HexPortable(`[${index}]`)))
    const keys = batches.flatMap((request) =>
      (request.body as { records: AttestationPayload[] }).records.map((r) => r.idempotency_key),
    )
    expect(new Set(keys).size).toBe(250)
  })

  it('falls back to one request per record when the server has no batch endpoint (404)', async () => {
    await server.close()
    server = await startTestServer({ supportsBatch: false })
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
    expect(server.recorder.attestations.map((record) => record.tool_name)).toEqual(['a', 'b'])
    expect(server.recorder.attestations[0]?.input_hash).toBe(sha256HexPortable('1'))
    // The 404 is remembered: the next batch goes straight to per-record sends.
    await mima.batch(async (next) => next.add('c'))
    expect(attestationRequests().at(-2)?.path).toMatch(/external$/)
  })

  it('reports rejected records per onError and delivers the rest', async () => {
    await server.close()
    server = await startTestServer({
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
    server.script(
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
    expect(server.recorder.attestations.map((record) => record.tool_name)).toEqual(['t', 'u'])
  })

  it('does not retry a client error, and reports it', async () => {
    const mima = client({ onError: 'raise' })
    server.script({
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
    server.script({ match: /external$/, status: 503, thenRecord: true })
    const result = await mima.push('once', '', '')
    expect(result.status).toBe('sent')
    expect(attestationRequests()).toHaveLength(2)
    expect(server.recorder.attestations).toHaveLength(1)
    expect(result.idempotencyKey).toBe(server.recorder.attestations[0]?.idempotency_key)
  })
})

describe('onError', () => {
  async function downClient(onError: 'warn' | 'raise' | 'silent'): Promise<ReturnType<typeof createMima>> {
    for (let index = 0; index < 3; index++)
      server.script({ match: /external$/, status: 500, body: { error: { message: 'db down' } } })
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
    expect(server.recorder.attestations).toHaveLength(1)
  })

  it('raise: throws a MimaError, still keeps the record', async () => {
    const mima = await downClient('raise')
    const error = await mima.push('t', '', '').catch((caught: unknown) => caught)
    expect(MimaError.isInstance(error)).toBe(true)
    expect((error as MimaError).code).toBe('server_error')
    expect(mima.pending).toBe(1)
    await mima.close()
    expect(server.recorder.attestations).toHaveLength(1)
  })

  it('silent: says nothing, still keeps the record', async () => {
    const mima = await downClient('silent')
    expect((await mima.push('t', '', '')).status).toBe('queued')
    expect(warnings).toEqual([])
    await mima.flush()
    expect(server.recorder.attestations).toHaveLength(1)
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
    expect(server.recorder.attestations.map((record) => record.tool_name)).toEqual(['first', 'second'])
  })

  it('raise: a background failure surfaces from flush()', async () => {
    const mima = client({ onError: 'raise', retry: { limit: 0 } })
    mima.attest({ toolName: 'bg', mode: 'batch' }, () => 1)()
    server.script({ match: /batch$/, status: 500 })
    await expect(mima.flush()).rejects.toMatchObject({ code: 'server_error' })
    expect(mima.pending).toBe(1)
    await mima.flush()
    expect(mima.pending).toBe(0)
  })
})

describe('durable outbox', () => {
  it('spills past the memory cap, survives a restart and replays in order', async () => {
    const port = server.port
    await server.close()
    const first = client({
      outbox: { directory, maxMemoryRecords: 10 },
      retry: { limit: 0 },
      baseUrl: `http://127.0.0.1:${port}`,
    })
    const step = first.attest({ toolName: 'step', mode: 'batch' }, (index: number) => index)
    for (let index = 0; index < 55; index++) step(index)
    expect(first.pending).toBe(55)
    await first.close() // server down: the flush fails, everything is saved to disk
    const spill = readFileSync(join(directory, 'loan-scorer.jsonl'), 'utf8').trim().split('\n')
    expect(spill).toHaveLength(55)
    expect(warnings.join('\n')).toMatch(/kept in the outbox/)

    server = await startTestServer({}, port)
    const second = client({
      outbox: { directory, maxMemoryRecords: 10 },
      baseUrl: `http://127.0.0.1:${port}`,
    })
    expect(second.pending).toBe(55)
    second.attest({ toolName: 'after-restart', mode: 'batch' }, () => 'new')()
    await second.flush()
    const tools = server.recorder.attestations.map((record) => record.tool_name)
    expect(tools).toHaveLength(56)
    expect(tools.at(-1)).toBe('after-restart')
    expect(server.recorder.attestations.slice(0, 55).map((record) => record.input_hash)).toEqual(
      Array.from({ length: 55 }, (_, index) => sha256HexPortable(`[${index}]`)),
    )
    expect(second.pending).toBe(0)
    await second.close()
    expect(() => readFileSync(join(directory, 'loan-scorer.jsonl'))).toThrow() // drained files are removed
  })

  it('keeps only the memory cap in memory with no disk, reporting what it drops', async () => {
    const port = server.port
    await server.close()
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

describe('signatures, trace, evidence and approvals', () => {
  it('signs every attestation (v2) so that node:crypto verifies it independently, and the server says verified', async () => {
    const seed = generateSigningKey()
    const mima = client({ signingKey: seed })
    const result = await mima.push('signed', 'a'.repeat(64), 'b'.repeat(64), { modelId: 'm' })
    expect(result.trustTier).toBe('verified')
    const record = server.recorder.attestations[0] as AttestationPayload
    expect(record.sig_alg).toBe('ed25519-jcs-v2')
    expect(record.verifying_key_hex).toBe(verifyingKeyHex(seed))
    const { witness_sig, verifying_key_hex, ...rest } = record
    const message = Buffer.from(canonicalJson(rest))
    expect(Buffer.from(attestationSigningMessage(record)).equals(message)).toBe(true)
    const key = createPublicKey({
      key: Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        Buffer.from(verifying_key_hex as string, 'hex'),
      ]),
      format: 'der',
      type: 'spki',
    })
    expect(nodeVerify(null, message, key, Buffer.from(witness_sig as string, 'hex'))).toBe(true)
  })

  it('trace records input, output and model, with a callback or `await using`', async () => {
    const mima = client()
    const value = await mima.trace('pipeline', async (trace) => {
      expect(getAttestedContext()?.toolName).toBe('pipeline')
      trace.setInput({ docs: 2 })
      trace.setOutput('done')
      trace.setModelId('gpt-4o')
      return 42
    })
    expect(value).toBe(42)
    {
      await using trace = mima.trace('disposable')
      trace.setInput([1])
    }
    await expect(
      mima.trace('broken', () => {
        throw new TypeError('x')
      }),
    ).rejects.toThrow(TypeError)
    const [pipeline, disposable, broken] = server.recorder.attestations
    expect(pipeline).toMatchObject({
      tool_name: 'pipeline',
      model_id: 'gpt-4o',
      input_hash: sha256HexPortable('{"docs":2}'),
      output_hash: sha256HexPortable('"done"'),
    })
    expect(disposable).toMatchObject({
      tool_name: 'disposable',
      input_hash: sha256HexPortable('[1]'),
      output_hash: '',
    })
    expect(broken).toMatchObject({ tool_name: 'broken', outcome: 'error', error_type: 'TypeError' })
  })

  it('pushEvidence signs with the resolved workspace (never null) and returns a GrcResult', async () => {
    const mima = client({ workspaceId: undefined as never, hmacKey: 'grc-key' })
    const result = await mima.pushEvidence({
      record_type: 'access_review',
      payload: { user: 'alice', granted: true },
      system_name: 'loan-scorer',
      occurred_at: '2026-06-20T12:00:00+00:00',
    })
    expect(result).toMatchObject({ recordType: 'access_review', mappedControls: [], detail: 'ok' })
    expect(result.recordId).not.toBe('')
    const sent = server.recorder.evidence[0]
    expect(sent?.client_sig_algo).toBe('hmac-sha256')
    expect(verifyGrcSignature(sent!, { key: 'grc-key', workspaceId: 'ws-test' })).toBe(true)
    const request = server.requests.find((entry) => entry.path.endsWith('/grc/evidence'))
    expect(request?.headers['idempotency-key']).toBe(sent?.idempotency_key)
    await expect(mima.pushEvidence({ record_type: '', payload: {}, system_name: 's' })).rejects.toThrow(
      /record_type/,
    )
  })

  it('sends the approval token and pushes the oversight evidence after the attestation is accepted', async () => {
    const mima = client()
    const approve = mima.attest(
      {
        toolName: 'wire_transfer',
        mode: 'batch',
        approvalToken: {
          token: 'apt_123',
          approvalId: 'apr_1',
          oversightEvidence: {
            record_type: 'human_oversight',
            payload: { oversight_status: 'approved', approval_id: 'apr_1' },
            system_name: 'loan-scorer',
          },
        },
      },
      async () => getAttestedContext()?.approvalId,
    )
    expect(await approve()).toBe('apr_1')
    const paths = server.requests.map((request) => request.path.split('/governance/')[1])
    expect(paths).toEqual(['approvals/redeem', 'attestations/external', 'grc/evidence'])
    expect(server.recorder.attestations[0]?.approval_token).toBe('apt_123')
    expect(server.recorder.evidence[0]?.record_type).toBe('human_oversight')
  })

  it('sends attest metadata with an approved call: an object, or a function of the result', async () => {
    const mima = client()
    const gated = mima.attest(
      {
        toolName: 'wire_transfer',
        approvalToken: 'apt_meta',
        metadata: (result: { ok: boolean } | undefined) => ({ server: 'bank', ok: result?.ok ?? null }),
      },
      async () => ({ ok: true }),
    )
    await gated()
    expect(server.recorder.attestations[0]).toMatchObject({
      approval_token: 'apt_meta',
      metadata: { server: 'bank', ok: true },
    })
    mima.attest({ toolName: 'lookup', metadata: { server: 'bank' } }, () => 1)()
    await mima.flush()
    expect(server.recorder.attestations[1]?.metadata).toEqual({ server: 'bank' })
  })

  it('keeps the oversight evidence with its attestation when the server is down, and delivers both in order', async () => {
    for (let index = 0; index < 3; index++) server.script({ match: /external$/, status: 503 })
    const mima = client({ onError: 'silent' })
    const result = await mima.push('wire_transfer', '', '', {
      approvalToken: {
        token: 'apt_9',
        oversightEvidence: {
          record_type: 'human_oversight',
          payload: { oversight_status: 'approved', approval_id: 'apr_9' },
          system_name: 'loan-scorer',
        },
      },
    })
    expect(result.status).toBe('queued')
    expect(mima.pending).toBe(2)
    await mima.flush()
    expect(server.recorder.attestations[0]?.approval_token).toBe('apt_9')
    expect(server.recorder.evidence[0]?.payload).toEqual({
      oversight_status: 'approved',
      approval_id: 'apr_9',
    })
    const order = server.requests
      .filter((request) => request.method === 'POST')
      .map((request) => request.path.split('/governance/')[1])
    expect(order.slice(-2)).toEqual(['attestations/batch', 'grc/evidence'])
  })

  it('accepts a timeout that proceeded: no approval_token, only its oversight evidence (under this system)', async () => {
    const mima = client()
    const timeoutToken = {
      status: 'timeout_unblocked',
      token: '',
      approvalId: 'apr_7',
      get oversightEvidence() {
        return {
          record_type: 'human_oversight',
          system_name: '',
          occurred_at: '2026-06-20T12:00:00.000Z',
          payload: {
            oversight_status: 'timeout_unblocked',
            approval_id: 'apr_7',
            action_type: 'refund',
            tool_name: 'refund',
          },
        }
      },
    }
    await mima.attest({ toolName: 'refund', approvalToken: timeoutToken }, async () => 'done')()
    expect(server.recorder.attestations[0]).not.toHaveProperty('approval_token')
    expect(server.recorder.evidence[0]).toMatchObject({
      system_name: 'loan-scorer',
      payload: { oversight_status: 'timeout_unblocked' },
    })
    expect(() => mima.attest({ toolName: 'x', approvalToken: { token: '' } }, () => 1)).toThrow(
      /approvalToken/,
    )
  })

  it('validates pushed hashes', async () => {
    const mima = client()
    await expect(mima.push('t', 'XYZ', '')).rejects.toMatchObject({ code: 'validation_failed' })
  })
})

describe('approval gate (fail closed)', () => {
  const governed = (): string[] =>
    server.requests.map((request) => request.path.split('/governance/')[1] ?? request.path)

  it('redeems the token before the function runs, then attests with it', async () => {
    const mima = client()
    let seenAtRun: string[] = []
    const refund = mima.attest({ toolName: 'refund', approvalToken: 'tok_1' }, (order: string) => {
      seenAtRun = governed()
      return `refunded ${order}`
    })
    expect(await refund('A-1')).toBe('refunded A-1')
    expect(seenAtRun).toEqual(['approvals/redeem'])
    expect(server.requests[0]?.body).toMatchObject({ token: 'tok_1', tool_name: 'refund' })
    expect(governed()).toEqual(['approvals/redeem', 'attestations/external'])
    expect(server.recorder.attestations[0]?.approval_token).toBe('tok_1')
  })

  it('never runs the function for a refused token, whatever onError says', async () => {
    for (const onError of ['silent', 'warn', 'raise'] as const) {
      server.recorder.clear()
      const mima = client({ onError })
      let runs = 0
      const act = mima.attest({ toolName: 'payout', approvalToken: `tok_${onError}` }, () => ++runs)
      expect(await act()).toBe(1)
      const failure = await act().catch((error: unknown) => error)
      expect(MimaError.isInstance(failure) && failure.code).toBe('approval_token_invalid')
      expect((failure as MimaError).status).toBe(422)
      expect(runs).toBe(1)
      expect(server.recorder.attestationsFor('payout')).toHaveLength(1)
    }
  })

  it('refuses what the server refuses (another tool) and gives the approval id to the attested context', async () => {
    server.recorder.clear()
    const refusing = await startTestServer({
      refuseApproval: (_token, tool) => (tool === 'open_account' ? 'approves close_account' : undefined),
    })
    try {
      const mima = client({ baseUrl: refusing.url })
      let runs = 0
      const open = mima.attest({ toolName: 'open_account', approvalToken: 'tok_c' }, async () => ++runs)
      await expect(open()).rejects.toMatchObject({ code: 'approval_token_invalid' })
      expect(runs).toBe(0)
      const close = mima.attest({ toolName: 'close_account', approvalToken: 'tok_c' }, async () =>
        getAttestedContext(),
      )
      expect((await close())?.approvalId).toMatch(/^apr_/)
    } finally {
      await refusing.close()
    }
  })

  it('fails closed with a retryable network_error when the server is unreachable', async () => {
    const port = server.port
    await server.close()
    const mima = client({ retry: { limit: 0 }, onError: 'silent' })
    let runs = 0
    const act = mima.attest({ toolName: 'wire', approvalToken: 'tok_down' }, () => ++runs)
    const failure = await act().catch((error: unknown) => error)
    expect(MimaError.isInstance(failure) && failure.code).toBe('network_error')
    expect((failure as MimaError).retryable).toBe(true)
    expect(runs).toBe(0)
    server = await startTestServer({}, port) // for afterEach
  })

  it('a retried redemption whose answer was lost still runs the function once', async () => {
    server.script({ match: /approvals\/redeem$/, status: 503, thenRecord: true })
    const mima = client()
    let runs = 0
    const act = mima.attest({ toolName: 'refund', approvalToken: 'tok_lost' }, async () => ++runs)
    expect(await act()).toBe(1)
    const redeems = server.requests.filter((request) => request.path.endsWith('approvals/redeem'))
    expect(redeems).toHaveLength(2)
    const ids = redeems.map((request) => (request.body as { redemption_id?: string }).redemption_id)
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[1]).toBe(ids[0])
    expect(server.recorder.redeemedTokens).toEqual(['tok_lost'])
  })

  it('raise on an input without a canonical form: rejects before redeeming, so no token is spent', async () => {
    const mima = client({ onError: 'raise' })
    let runs = 0
    const act = mima.attest({ toolName: 'big', approvalToken: 'tok_big' }, (_amount: bigint) => ++runs)
    const pending = act(1n)
    expect(pending).toBeInstanceOf(Promise)
    await expect(pending).rejects.toThrow(/bigint at \$\[0\]/)
    expect(runs).toBe(0)
    expect(server.recorder.redeemedTokens).toEqual([])
  })

  it('does not redeem a timeout that proceeded (empty token)', async () => {
    const mima = client()
    const result = mima.attest(
      {
        toolName: 'notify',
        approvalToken: {
          token: '',
          oversightEvidence: {
            record_type: 'human_oversight',
            payload: { oversight_status: 'timeout_unblocked' },
            system_name: '',
          },
        },
      },
      () => 'sent',
    )()
    expect(await result).toBe('sent')
    expect(governed()).not.toContain('approvals/redeem')
  })
})

describe('usage on the record', () => {
  it('sends provider, tokens, cost, session, parent and metadata, signed with the record', async () => {
    const seed = generateSigningKey()
    const mima = client({ signingKey: seed })
    await mima.push('chat', '', '', {
      modelId: 'gpt-4o',
      usage: {
        provider: 'openai',
        operation: 'chat.completions',
        inputTokens: 12,
        outputTokens: 0,
        cachedTokens: 4,
        costUsd: 0.00002,
        sessionId: 'session-1',
        parentAttestationId: 'parent-1',
        metadata: { step: 2 },
      },
    })
    const record = attestationRequests()[0]?.body as unknown as AttestationPayload
    expect(record).toMatchObject({
      provider: 'openai',
      operation: 'chat.completions',
      input_tokens: 12,
      output_tokens: 0,
      cached_tokens: 4,
      cost_usd: 0.00002,
      session_id: 'session-1',
      parent_attestation_id: 'parent-1',
      metadata: { step: 2 },
    })
    const publicKey = createPublicKey({
      key: Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        Buffer.from(verifyingKeyHex(seed), 'hex'),
      ]),
      format: 'der',
      type: 'spki',
    })
    expect(
      nodeVerify(
        null,
        attestationSigningMessage(record),
        publicKey,
        Buffer.from(record.witness_sig as string, 'hex'),
      ),
    ).toBe(true)
    await mima.close()
  })

  it('refuses negative or fractional token counts and a negative cost', async () => {
    const mima = client()
    await expect(mima.push('chat', '', '', { usage: { inputTokens: -1 } })).rejects.toThrow(
      /non-negative integer/,
    )
    await expect(mima.push('chat', '', '', { usage: { outputTokens: 1.5 } })).rejects.toThrow(
      /non-negative integer/,
    )
    await expect(mima.push('chat', '', '', { usage: { costUsd: -0.1 } })).rejects.toThrow(
      /non-negative number/,
    )
    expect(attestationRequests()).toHaveLength(0)
    await mima.close()
  })
})

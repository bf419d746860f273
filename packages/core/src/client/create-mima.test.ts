import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useClientHarness } from '../../test/create-mima-harness'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { getAttestedContext, isAttested } from '../context/attested-context'
import { sha256HexPortable } from '../hashing/sha256'
import { generateSigningKey, verifyingKeyHex } from '../signing/ed25519'
import { createMima } from './create-mima'

// createMima's configuration and attest(). Delivery (batches, retries, onError, the outbox) is in
// create-mima-delivery.test.ts; signed records, evidence, approvals and usage in create-mima-records.test.ts.

const harness = useClientHarness()
const { client, warnings, attestationRequests } = harness

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
    const file = join(harness.directory, 'config.json')
    writeFileSync(
      file,
      JSON.stringify({
        api_key: 'from-file',
        workspace_id: 'ws-test',
        base_url: `${harness.server.url}/api`,
      }),
    )
    const fromFile = createMima({
      systemName: 's',
      env: {},
      configFile: file,
      flushOnExit: false,
      outbox: { directory: harness.directory },
    })
    await fromFile.push('t', '', '')
    expect(harness.server.requests.at(-1)?.headers.authorization).toBe('Bearer from-file')
    expect(harness.server.requests.at(-1)?.path).toBe(
      '/api/workspaces/ws-test/governance/attestations/external',
    )

    const fromEnv = createMima({
      systemName: 's',
      env: { MIMA_API_KEY: 'from-env', MIMA_BASE_URL: harness.server.url },
      configFile: file,
      flushOnExit: false,
      outbox: { directory: harness.directory },
    })
    await fromEnv.push('t', '', '')
    expect(harness.server.requests.at(-1)?.headers.authorization).toBe('Bearer from-env')
    expect(harness.server.recorder.attestations.at(-1)?.witness_sig).toBeUndefined()
    const seed = generateSigningKey()
    const signedFromEnv = createMima({
      systemName: 's',
      env: {
        MIMA_API_KEY: 'k',
        MIMA_BASE_URL: harness.server.url,
        MIMA_WORKSPACE_ID: 'ws-test',
        MIMA_SIGNING_KEY: seed,
      },
      configFile: false,
      flushOnExit: false,
      outbox: { directory: harness.directory },
    })
    await signedFromEnv.push('t', '', '')
    expect(harness.server.recorder.attestations.at(-1)?.verifying_key_hex).toBe(verifyingKeyHex(seed))
    // The environment named a key and URL but no workspace: it is looked up for that key
    // (GET /api/me), never borrowed from the saved login.
    expect(await fromEnv.workspaceId()).toBe('ws-test')
    expect(
      harness.server.requests.some(
        (request) => request.path === '/api/me' && request.headers.authorization === 'Bearer from-env',
      ),
    ).toBe(true)
  })

  it('resolves the workspace once through GET /api/me and caches it', async () => {
    const mima = client({ workspaceId: undefined as never })
    await Promise.all([mima.push('a', '', ''), mima.push('b', '', ''), mima.push('c', '', '')])
    await mima.push('d', '', '')
    expect(harness.server.requests.filter((request) => request.path === '/api/me')).toHaveLength(1)
    expect(harness.server.recorder.attestations).toHaveLength(4)
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
    const record = harness.server.recorder.attestationsFor('add')[0]
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
    const record = harness.server.recorder.attestationsFor('fails')[0]
    expect(record).toMatchObject({ outcome: 'error', error_type: 'RangeError', output_hash: '' })
    expect(JSON.stringify(record)).not.toContain('secret detail')
    expect(harness.server.recorder.attestationsFor('fails-sync')).toHaveLength(1)
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
    expect(harness.server.recorder.attestationsFor('score')[0]?.input_hash).toBe(sha256HexPortable('[2]'))
    expect(harness.server.recorder.attestationsFor('double')).toHaveLength(1)
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
    expect(harness.server.recorder.attestationsFor('big').map((record) => record.input_hash)).toEqual([
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
    expect(harness.server.recorder.attestations).toHaveLength(1000)
  })
})

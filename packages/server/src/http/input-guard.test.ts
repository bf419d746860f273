import { MimaError } from '@mima/core'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from './context'
import {
  assertCleanPath,
  assertCleanQuery,
  assertStorableJson,
  formGuard,
  parseTimestamp,
} from './input-guard'

function refusal(work: () => void): { status: number | undefined; field: unknown; message: string } {
  try {
    work()
  } catch (error) {
    if (!MimaError.isInstance(error)) throw error
    return { status: error.status, field: error.details?.field, message: error.message }
  }
  throw new Error('expected a refusal')
}

describe('input guard', () => {
  it('names the field holding NUL or a lone surrogate, keys included', () => {
    expect(
      refusal(() => assertStorableJson({ records: [{ ok: 'x' }, { tool_name: 'a\u0000' }] })),
    ).toMatchObject({
      status: 422,
      field: 'records[1].tool_name',
    })
    expect(refusal(() => assertStorableJson({ a: { 'k\ud800': 1 } })).field).toBe('a')
    expect(refusal(() => assertStorableJson(['\udc00'])).field).toBe('[0]')
    expect(() => assertStorableJson({ emoji: '😀 \ud83d\ude00', text: 'ünïcødé' })).not.toThrow()
  })

  it('refuses nesting past the limit without overflowing the stack', () => {
    let deep: unknown = 1
    for (let level = 0; level < 100_000; level += 1) deep = [deep]
    expect(refusal(() => assertStorableJson({ deep })).message).toMatch(/nested too deeply/)
    expect(() => assertStorableJson({ a: { b: { c: [1] } } })).not.toThrow()
  })

  it('refuses %00, control characters and malformed escapes in paths and queries', () => {
    for (const path of ['/a/%00', '/a/%E0%A4%A', '/a/%ED%A0%80', '/a/b%0A']) {
      expect(refusal(() => assertCleanPath(path)).status).toBe(400)
    }
    expect(() => assertCleanPath('/api/workspaces/abc/governance/attestations/%C3%A9')).not.toThrow()
    for (const query of ['a=%00', 'a=%', 'x%00=1', 'a=%ED%A0%80']) {
      expect(refusal(() => assertCleanQuery(query)).status).toBe(400)
    }
    expect(() => assertCleanQuery('system_name=caf%C3%A9&limit=5&flag')).not.toThrow()
  })

  it('reads dates within years 0001–9999 that exist on the calendar', () => {
    expect(parseTimestamp('2026-02-28T10:00:00.123456Z')).toBe(Date.parse('2026-02-28T10:00:00.123Z'))
    expect(parseTimestamp('2024-02-29')).toBeDefined()
    for (const bad of [
      '0000-01-01',
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '99999-01-01',
      '+275760-09-13',
      'yesterday',
    ]) {
      expect(parseTimestamp(bad), bad).toBeUndefined()
    }
  })

  it('refuses unparseable form bodies and NUL in form fields, and lets a clean form reach the route', async () => {
    const app = new Hono<AppEnv>()
    app.use(formGuard())
    app.post('/form', async (c) => c.json(await c.req.parseBody()))
    app.onError((error, c) => c.json({ code: (error as MimaError).code }, (error as MimaError).status as 400))
    const post = async (type: string, body: string) => {
      const response = await app.request('/form', { method: 'POST', headers: { 'content-type': type }, body })
      return { status: response.status, json: (await response.json()) as Record<string, unknown> }
    }
    expect(await post('multipart/form-data', 'name=x')).toEqual({
      status: 400,
      json: { code: 'bad_request' },
    })
    expect((await post('multipart/form-data; boundary=x', '--x\r\nbroken')).status).toBe(400)
    expect(await post('application/x-www-form-urlencoded', 'name=a%00b')).toEqual({
      status: 422,
      json: { code: 'validation_failed' },
    })
    expect((await post('application/x-www-form-urlencoded', 'n%00=1')).status).toBe(422)
    expect(await post('application/x-www-form-urlencoded', 'name=ana&note=%C3%BC')).toEqual({
      status: 200,
      json: { name: 'ana', note: 'ü' },
    })
  })
})

import { describe, expect, it } from 'vitest'
import vectors from '../hashing/test-vectors.json' with { type: 'json' }
import type { GrcWireRecord } from './grc-record'
import { pythonJson } from './python-json'
import { grcHmacPortable, grcSigningMessage, signGrcRecord, verifyGrcSignature } from './sign-grc-record'

const { key, workspaceId, record, canonical, hmacHex } = vectors.grcHmac

describe('GRC HMAC signatures (Python SDK compatible)', () => {
  it('reproduces the reference canonical message and HMAC', () => {
    expect(grcSigningMessage(record, workspaceId)).toBe(canonical)
    const signed = signGrcRecord(record, { key, workspaceId })
    expect(signed.client_sig).toBe(hmacHex)
    expect(signed.client_sig_algo).toBe('hmac-sha256')
    expect(grcHmacPortable(key, canonical)).toBe(hmacHex)
    expect(signGrcRecord(record, { key: new TextEncoder().encode(key), workspaceId }).client_sig).toBe(
      hmacHex,
    )
    expect(verifyGrcSignature(signed, { key, workspaceId })).toBe(true)
  })

  it('binds the workspace, payload and time, but not identity/resource/environment (as Python does)', () => {
    const signed = signGrcRecord(record, { key, workspaceId })
    expect(verifyGrcSignature(signed, { key, workspaceId: 'other' })).toBe(false)
    expect(
      verifyGrcSignature({ ...signed, payload: { ...signed.payload, granted: false } }, { key, workspaceId }),
    ).toBe(false)
    expect(verifyGrcSignature({ ...signed, occurred_at: '2026-06-21T00:00:00Z' }, { key, workspaceId })).toBe(
      false,
    )
    expect(verifyGrcSignature({ ...signed, identity: 'someone' }, { key, workspaceId })).toBe(true)
    expect(verifyGrcSignature({ ...signed, client_sig: 'x' }, { key, workspaceId })).toBe(false)
    expect(verifyGrcSignature(record, { key: 'other-key', workspaceId })).toBe(false)
  })

  it('uses "" for a missing occurred_at', () => {
    const { occurred_at: _at, ...withoutTime } = record as GrcWireRecord
    expect(grcSigningMessage(withoutTime, 'ws')).toContain('"occurred_at":""')
  })

  it("writes JSON exactly like Python's json.dumps(sort_keys, compact separators, ensure_ascii)", () => {
    // Expected strings produced by CPython 3.11.
    expect(
      pythonJson([
        1e-5, 0.1, 1.5, 1e16, 1.5e16, 123.456, -0.0001, 1e-7, 2.5e-300, 1.7976931348623157e308,
        9007199254740994, 1e22, 0.30000000000000004,
      ]),
    ).toBe(
      '[1e-05,0.1,1.5,1e+16,1.5e+16,123.456,-0.0001,1e-07,2.5e-300,1.7976931348623157e+308,9007199254740994.0,1e+22,0.30000000000000004]',
    )
    expect(pythonJson({ é: 'héllo\u2028😀', '\x7f': '\x01"\\', b: [true, null] })).toBe(
      '{"b":[true,null],"\\u007f":"\\u0001\\"\\\\","\\u00e9":"h\\u00e9llo\\u2028\\ud83d\\ude00"}',
    )
    expect(() => pythonJson({ x: Number.NaN })).toThrow(/NaN/)
  })
})

describe('the Python SDK signing before it knows its workspace (reference §1.8, ordering bug)', () => {
  // What the Python SDK sends for a client's first GRC record when the workspace id is resolved
  // lazily: the HMAC covers "workspace_id":null, the record is posted to the real workspace.
  const signedWithNull = {
    ...record,
    client_sig: grcHmacPortable(key, grcSigningMessage(record, null)),
    client_sig_algo: 'hmac-sha256' as const,
  }

  it('builds the null-workspace message exactly as Python does', () => {
    expect(grcSigningMessage(record, null)).toBe(
      canonical.replace('"workspace_id":"ws-uuid-1234"', '"workspace_id":null'),
    )
  })

  it('accepts the null-workspace signature when the check with the workspace fails', () => {
    expect(verifyGrcSignature(signedWithNull, { key, workspaceId })).toBe(true)
    expect(verifyGrcSignature(signedWithNull, { key, workspaceId: 'any-other' })).toBe(true)
  })

  it('still binds the key, payload and time in the null form', () => {
    expect(verifyGrcSignature(signedWithNull, { key: 'other-key', workspaceId })).toBe(false)
    expect(
      verifyGrcSignature(
        { ...signedWithNull, payload: { ...signedWithNull.payload, granted: false } },
        { key, workspaceId },
      ),
    ).toBe(false)
    expect(
      verifyGrcSignature({ ...signedWithNull, occurred_at: '2026-06-21T00:00:00Z' }, { key, workspaceId }),
    ).toBe(false)
  })
})

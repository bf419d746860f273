import { describe, expect, it } from 'vitest'
import vectors from '../hashing/test-vectors.json' with { type: 'json' }
import type { GrcWireRecord } from './grc-record'
import { JsonNumberLiteral, parseJsonNumberLiterals } from './json-number-literals'
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

describe('a Python client’s numbers as written (integral floats, ints above 2^53)', () => {
  const key = 'test-signing-key-32bytes-padded!!'
  // The body the Python SDK sends (json.dumps with default separators) and, from CPython 3.11,
  // the message it signs and the HMACs for the workspace and for the null-workspace form.
  const body =
    '{"record_type": "model_evaluation", "system_name": "sys-\\u00e9", "occurred_at": "2026-06-20T12:00:00+00:00", "payload": {"accuracy": 1.0, "baseline": 0.0, "rows": 1152921504606846976, "tiny": 1e-05, "neg0": -0.0, "big": 1e+16, "name": "mod\\u00e8le \\ud83d\\ude00\\n", "nested": [1.5, {"z": -1, "a": 0}]}}'
  const message =
    '{"occurred_at":"2026-06-20T12:00:00+00:00","payload":{"accuracy":1.0,"baseline":0.0,"big":1e+16,"name":"mod\\u00e8le \\ud83d\\ude00\\n","neg0":-0.0,"nested":[1.5,{"a":0,"z":-1}],"rows":1152921504606846976,"tiny":1e-05},"record_type":"model_evaluation","system_name":"sys-\\u00e9","workspace_id":"ws-uuid-1234"}'
  const withWorkspace = '89b788d246e256f7b6547ef134d31cd69fb6e5151c38fbf41cd214431d6d5375'
  const withNull = '36663dae23687999ddb2b4352084184462a075936ebc16783b79f77b9d6fe2b0'
  const signedBody = (sig: string) =>
    `${body.slice(0, -1)}, "client_sig": "${sig}", "client_sig_algo": "hmac-sha256"}`

  it('rebuilds Python’s message from the literal numbers', () => {
    const literal = parseJsonNumberLiterals(body) as GrcWireRecord
    expect(grcSigningMessage(literal, 'ws-uuid-1234')).toBe(message)
    expect(grcHmacPortable(key, message)).toBe(withWorkspace)
  })

  it('verifies with the source text, and not from parsed numbers alone', () => {
    for (const sig of [withWorkspace, withNull]) {
      const text = signedBody(sig)
      const parsed = JSON.parse(text) as GrcWireRecord
      expect(verifyGrcSignature(parsed, { key, workspaceId: 'ws-uuid-1234', sourceText: text })).toBe(true)
      // Without the text, 1.0 became 1 and 2**60 was rounded: the bug this fixes.
      expect(verifyGrcSignature(parsed, { key, workspaceId: 'ws-uuid-1234' })).toBe(false)
      expect(verifyGrcSignature(parsed, { key, workspaceId: 'other-ws', sourceText: text })).toBe(
        sig === withNull,
      )
      const tampered = text.replace('"accuracy": 1.0', '"accuracy": 1.5')
      expect(
        verifyGrcSignature(JSON.parse(tampered), { key, workspaceId: 'ws-uuid-1234', sourceText: tampered }),
      ).toBe(false)
    }
  })

  it('still verifies a JavaScript signer’s record (numbers as JavaScript holds them)', () => {
    const jsRecord: GrcWireRecord = {
      record_type: 'model_evaluation',
      system_name: 's',
      payload: { rows: 2 ** 60, tiny: 1e-5, score: 1 },
    }
    const signed = signGrcRecord(jsRecord, { key, workspaceId: 'ws' })
    const text = JSON.stringify(signed) // writes 1152921504606847000 and 0.00001
    expect(verifyGrcSignature(JSON.parse(text), { key, workspaceId: 'ws', sourceText: text })).toBe(true)
  })

  it('reproduces the reference §1.8 vector from its wire text', () => {
    const text = JSON.stringify(signGrcRecord(record, { key: vectors.grcHmac.key, workspaceId }))
    expect(text).toContain(hmacHex)
    expect(
      verifyGrcSignature(JSON.parse(text), { key: vectors.grcHmac.key, workspaceId, sourceText: text }),
    ).toBe(true)
    expect(grcSigningMessage(parseJsonNumberLiterals(text) as GrcWireRecord, workspaceId)).toBe(canonical)
  })

  it('writes literals as Python writes what json.loads makes of them', () => {
    const parsed = parseJsonNumberLiterals(
      '[1.0, 0.0, -0.0, -0, 1152921504606846976, 1e-05, 0.00001, 1E5, 1e400, -1e400, 12, 2.50]',
    )
    expect(parsed).toEqual(expect.arrayContaining([expect.any(JsonNumberLiteral)]))
    expect(pythonJson(parsed)).toBe(
      '[1.0,0.0,-0.0,0,1152921504606846976,1e-05,1e-05,100000.0,Infinity,-Infinity,12,2.5]',
    )
  })
})

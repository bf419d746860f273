import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../hashing/canonical-json'
import vectors from '../hashing/test-vectors.json' with { type: 'json' }
import { generateSigningKey, verifyingKeyHex } from '../signing/ed25519'
import { fromHex } from '../signing/hex'
import type { AttestationPayload } from './attestation-payload'
import {
  attestationSigningMessage,
  legacySigningMessage,
  signAttestation,
  verifyAttestationSignature,
} from './sign-attestation'

const payload: AttestationPayload = {
  system_name: 'loan-scorer',
  agent_name: 'loan-scorer',
  tool_name: 'classify',
  input_hash: 'a'.repeat(64),
  output_hash: 'b'.repeat(64),
  schema_version: 2,
  model_id: 'gpt-4o',
  executed_at: '2026-06-20T12:00:00.000Z',
  authorised_by: { identity: 'alice@example.com', role: 'ml-engineer' },
  duration_ms: 12.5,
  approval_token: 'tok_1',
  idempotency_key: '019a0000-0000-7000-8000-000000000000',
}

describe('signAttestation (v2)', () => {
  it('signs the canonical form of the whole record and verifies independently with node:crypto', () => {
    const seed = generateSigningKey()
    const signed = signAttestation(payload, seed)
    expect(signed.sig_alg).toBe('ed25519-jcs-v2')
    expect(signed.verifying_key_hex).toBe(verifyingKeyHex(seed))
    expect(signed.witness_sig).toMatch(/^[0-9a-f]{128}$/)
    const { witness_sig, verifying_key_hex, ...rest } = signed
    const message = Buffer.from(canonicalJson(rest), 'utf8')
    expect(Buffer.from(attestationSigningMessage(signed)).equals(message)).toBe(true)
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      Buffer.from(verifying_key_hex as string, 'hex'),
    ])
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' })
    expect(nodeVerify(null, message, key, Buffer.from(witness_sig as string, 'hex'))).toBe(true)
    expect(verifyAttestationSignature(signed)).toBe('valid')
    expect(payload).not.toHaveProperty('witness_sig')
  })

  it('detects a change to any signed field, including the ones the legacy message leaves out', () => {
    const signed = signAttestation(payload, generateSigningKey())
    const tampered: Array<Partial<AttestationPayload>> = [
      { tool_name: 'transfer_funds' },
      { system_name: 'other' },
      { agent_name: 'other' },
      { model_id: 'gpt-3.5' },
      { authorised_by: { identity: 'mallory@example.com' } },
      { input_hash: 'c'.repeat(64) },
      { executed_at: '2026-06-21T12:00:00.000Z' },
      { duration_ms: 1 },
      { approval_token: 'tok_2' },
      { idempotency_key: '019a0000-0000-7000-8000-000000000001' },
      { outcome: 'error' },
    ]
    for (const change of tampered) {
      expect(verifyAttestationSignature({ ...signed, ...change })).toBe('invalid')
    }
    // Stripping the scheme marker downgrades to the legacy message, which this signature does not match.
    const { sig_alg: _alg, ...downgraded } = signed
    expect(verifyAttestationSignature(downgraded)).toBe('invalid')
    expect(verifyAttestationSignature({ ...signed, sig_alg: 'rsa' as never })).toBe('invalid')
    expect(verifyAttestationSignature({ ...signed, witness_sig: 'zz' })).toBe('invalid')
  })

  it('replaces an existing signature when re-signing', () => {
    const first = signAttestation(payload, generateSigningKey())
    const seed = generateSigningKey()
    const second = signAttestation(first, seed)
    expect(second.verifying_key_hex).toBe(verifyingKeyHex(seed))
    expect(verifyAttestationSignature(second)).toBe('valid')
  })

  it('reports unsigned records as unsigned', () => {
    expect(verifyAttestationSignature(payload)).toBe('unsigned')
  })
})

describe('legacy signatures (Python SDK)', () => {
  it('verifies the reference vector through the legacy message', () => {
    const { seedHex, verifyingKeyHex: key, signatureHex, message } = vectors.ed25519
    const record: AttestationPayload = {
      system_name: 's',
      agent_name: 's',
      tool_name: 't',
      input_hash: 'a'.repeat(64),
      output_hash: 'b'.repeat(64),
      schema_version: 2,
      executed_at: '2026-06-20T12:00:00+00:00',
      witness_sig: signatureHex,
      verifying_key_hex: key,
    }
    expect(new TextDecoder().decode(legacySigningMessage(record))).toBe(message)
    expect(verifyAttestationSignature(record)).toBe('valid')
    // The legacy scheme does not cover the tool name: changing it still verifies (why v2 exists).
    expect(verifyAttestationSignature({ ...record, tool_name: 'other' })).toBe('valid')
    expect(verifyAttestationSignature({ ...record, output_hash: 'c'.repeat(64) })).toBe('invalid')
    expect(verifyingKeyHex(fromHex(seedHex))).toBe(key)
  })
})

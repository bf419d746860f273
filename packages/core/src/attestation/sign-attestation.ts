import { MimaError } from '../errors/mima-error'
import { canonicalJson } from '../hashing/canonical-json'
import { ed25519Sign, ed25519Verify, verifyingKeyHex } from '../signing/ed25519'
import { fromHex, toHex } from '../signing/hex'
import { type AttestationPayload, SIG_ALG_V2 } from './attestation-payload'

const encoder = new TextEncoder()

/**
 * The bytes the v2 signature covers: the UTF-8 RFC 8785 form of the whole record without
 * `witness_sig` and `verifying_key_hex` (so tool, system, agent, model, authorised_by, both hashes,
 * executed_at, duration, approval token, idempotency key, outcome and `sig_alg` itself).
 */
export function attestationSigningMessage(payload: AttestationPayload): Uint8Array {
  const { witness_sig: _signature, verifying_key_hex: _key, ...signed } = payload
  return encoder.encode(canonicalJson(signed))
}

/**
 * The Python SDK's message (reference §1.7): `input_hash:output_hash:executed_at` in UTF-8. It
 * leaves the tool, system, model and principal unsigned; the server still accepts it from Python
 * clients, and the TypeScript SDK never produces it.
 */
export function legacySigningMessage(payload: AttestationPayload): Uint8Array {
  return encoder.encode(`${payload.input_hash}:${payload.output_hash}:${payload.executed_at ?? 'None'}`)
}

/**
 * Returns a copy of `payload` signed with the v2 scheme: sets `sig_alg: 'ed25519-jcs-v2'`, then
 * adds `witness_sig` (Ed25519 over {@link attestationSigningMessage}) and `verifying_key_hex`.
 *
 * @example
 * ```ts
 * const signed = signAttestation(payload, process.env.MIMA_SIGNING_KEY!)
 * verifyAttestationSignature(signed) // 'valid'
 * ```
 */
export function signAttestation(payload: AttestationPayload, seed: string | Uint8Array): AttestationPayload {
  const { witness_sig: _signature, verifying_key_hex: _key, ...unsigned } = payload
  const record: AttestationPayload = { ...unsigned, sig_alg: SIG_ALG_V2 }
  const signature = ed25519Sign(attestationSigningMessage(record), seed)
  record.witness_sig = toHex(signature)
  record.verifying_key_hex = verifyingKeyHex(seed)
  return record
}

/**
 * Checks an attestation's signature against its own `verifying_key_hex`: `unsigned` when it has
 * no signature, `valid` or `invalid` otherwise. `sig_alg: 'ed25519-jcs-v2'` selects the v2
 * message; a record without `sig_alg` is checked against the legacy Python message. Any other
 * `sig_alg` is `invalid`. (Whether the key itself is trusted is the caller's decision.)
 */
export function verifyAttestationSignature(payload: AttestationPayload): 'valid' | 'invalid' | 'unsigned' {
  const { witness_sig: signature, verifying_key_hex: publicKey } = payload
  if (signature === undefined && publicKey === undefined) return 'unsigned'
  if (
    typeof signature !== 'string' ||
    typeof publicKey !== 'string' ||
    !/^[0-9a-fA-F]{128}$/.test(signature)
  ) {
    return 'invalid'
  }
  let message: Uint8Array
  if (payload.sig_alg === SIG_ALG_V2) {
    try {
      message = attestationSigningMessage(payload)
    } catch (error) {
      if (MimaError.isInstance(error)) return 'invalid'
      throw error
    }
  } else if (payload.sig_alg === undefined) {
    message = legacySigningMessage(payload)
  } else {
    return 'invalid'
  }
  return ed25519Verify(message, fromHex(signature), publicKey) ? 'valid' : 'invalid'
}

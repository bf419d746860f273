import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { nodeCrypto } from '../internal/node-crypto'
import { canonicalJson } from './canonical-json'

/** SHA-256 with @noble/hashes (every runtime). Strings are hashed as UTF-8. */
export function sha256HexPortable(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data))
}

const node = nodeCrypto()
const nodeSha256Hex: ((data: string | Uint8Array) => string) | undefined = node
  ? typeof node.hash === 'function'
    ? (data) => (node.hash as NonNullable<typeof node.hash>)('sha256', data, 'hex')
    : (data) => node.createHash('sha256').update(data).digest('hex')
  : undefined

/**
 * Lowercase hex SHA-256 of `data` (a string is hashed as its UTF-8 bytes). Uses `node:crypto`
 * when the runtime has it, @noble/hashes otherwise; both give the same digest.
 */
export const sha256Hex: (data: string | Uint8Array) => string = nodeSha256Hex ?? sha256HexPortable

/**
 * The hash Mima records for a value: lowercase hex SHA-256 of the UTF-8 bytes of its RFC 8785
 * canonical JSON ({@link canonicalJson}). `attest` uses it for the input (the argument array)
 * and the output (the return value).
 *
 * Where this differs from the Python SDK (`mima-governance` 0.3): Python hashes
 * `json.dumps(x, sort_keys=True, default=str)` — spaces after `,` and `:`, non-ASCII escaped as
 * `\uXXXX`, Python float formatting, any non-JSON value turned into `str(x)`, and for a decorated
 * call the pair `[[*args], {kwargs}]`. Those bytes depend on Python's repr and are not
 * deterministic for sets or objects, so we hash RFC 8785 instead, which any language can
 * reproduce, and reject values without a faithful JSON form. A TypeScript hash of the same data
 * therefore differs from a Python one; the server treats hashes as opaque, so both kinds of
 * client report into one ledger.
 *
 * @example
 * ```ts
 * hashValue({ b: 2, a: 1 }) === sha256Hex('{"a":1,"b":2}') // true
 * ```
 */
export function hashValue(value: unknown): string {
  return sha256Hex(canonicalJson(value))
}

import { sha256Hex } from './sha256'

const MAX_DEPTH = 64
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function isByteView(value: object): value is ArrayBufferView {
  return ArrayBuffer.isView(value)
}

function bytesOf(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer
    ? new Uint8Array(value)
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

function convert(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.replace(LONE_SURROGATES, '\ufffd')
    case 'number':
      return Number.isFinite(value) ? value : { $number: String(value) }
    case 'bigint':
      return { $bigint: value.toString() }
    case 'boolean':
      return value
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
  }
  if (value === null) return null
  const object = value as object
  if (depth >= MAX_DEPTH) return { $truncated: 'depth' }
  if (seen.has(object)) return { $ref: 'cycle' }
  if (object instanceof ArrayBuffer || isByteView(object)) {
    const bytes = bytesOf(object)
    return { $bytes: { sha256: sha256Hex(bytes), length: bytes.byteLength } }
  }
  if (object instanceof URL) return object.href
  if (object instanceof Date)
    return Number.isNaN(object.getTime()) ? { $date: 'invalid' } : object.toISOString()
  seen.add(object)
  try {
    if (Array.isArray(object)) {
      return object.map((item) => {
        const converted = convert(item, depth + 1, seen)
        return converted === undefined ? null : converted
      })
    }
    if (object instanceof Map) {
      return {
        $map: [...object].map(([key, item]) => [
          convert(key, depth + 1, seen) ?? null,
          convert(item, depth + 1, seen) ?? null,
        ]),
      }
    }
    if (object instanceof Set)
      return { $set: [...object].map((item) => convert(item, depth + 1, seen) ?? null) }
    if (object instanceof Error)
      return { $error: object.name, message: convert(object.message, depth + 1, seen) }
    const toJSON = (object as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return convert(toJSON.call(object), depth + 1, seen)
    const result: Record<string, unknown> = {}
    for (const key of Object.keys(object)) {
      const converted = convert((object as Record<string, unknown>)[key], depth + 1, seen)
      if (converted !== undefined) result[key] = converted
    }
    return result
  } finally {
    seen.delete(object)
  }
}

/**
 * A JSON-only copy of `value` that {@link hashValue} (RFC 8785) always accepts, for payloads a
 * framework hands over (prompts with images, tool results, run outputs) where refusing to hash
 * is not an option. Each value JSON cannot hold becomes a tagged object, so it still changes the
 * hash when it changes, and never collides with a plain string:
 * bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`, any typed array) → `{ $bytes: { sha256, length } }`;
 * `bigint` → `{ $bigint }`; `NaN`/`±Infinity` → `{ $number }`; `Map` → `{ $map: [[key, value]…] }`;
 * `Set` → `{ $set }`; an `Error` → `{ $error: name, message }`; a cycle → `{ $ref: 'cycle' }`;
 * deeper than 64 levels → `{ $truncated: 'depth' }`. A `URL` becomes its `href`, a `Date` its
 * ISO string, `toJSON()` is honoured, lone surrogates become U+FFFD, and `undefined`, functions
 * and symbols are left out of objects (`null` in arrays), as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * hashValue(toHashable({ image: new Uint8Array([1, 2]) })) // a hash, where hashValue would throw
 * ```
 */
export function toHashable(value: unknown): unknown {
  const converted = convert(value, 0, new Set())
  return converted === undefined ? null : converted
}

import { MimaError } from '../errors/mima-error'

// JSON.stringify writes a lone surrogate as an escape; the precise check runs only then.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Serialises `value` to its RFC 8785 (JSON Canonicalization Scheme) form: object members
 * sorted by the UTF-16 code units of their names, no whitespace, strings and numbers written
 * exactly as ECMAScript's `JSON.stringify` writes them.
 *
 * Values outside the JSON data model follow one documented rule:
 * - JSON.stringify's own conventions apply: an object member whose value is `undefined`, a
 *   function or a symbol is left out; an object with a `toJSON()` method (a `Date`) is replaced by
 *   what `toJSON()` returns (a `Date` becomes its ISO-8601 string); `undefined` at the top level
 *   serialises as `null`, like an `undefined` array element.
 * - Everything JSON cannot hold faithfully is rejected with a `MimaError` whose code is
 *   `validation_failed` and whose message names the path (`$[0].amount`): `bigint`, `NaN`,
 *   `±Infinity`, `Map`, `Set`, `WeakMap`, `WeakSet`, `ArrayBuffer` and every typed array or
 *   `DataView` (including Node's `Buffer`), a function or symbol where a value is required
 *   (array element, top level), a string with a lone surrogate (RFC 8785 requires I-JSON), and
 *   cycles. Convert such values yourself (for example bytes to base64 or a hash, a `Map` to an
 *   object) — or hash something else through `attest`'s `hashInput`/`hashOutput` options.
 *
 * No value is silently turned into a string, so two different inputs never share a hash
 * because of a lossy fallback (unlike the Python SDK's `str()` fallback).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null, 'é'] }) // '{"a":[true,null,"é"],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  // Fast path: for plain JSON data the native JSON.stringify writes exactly the RFC 8785 form once
  // every object's keys come out sorted — which a replacer array listing all keys in UTF-16 order
  // guarantees (JSON.stringify emits each object's keys in the replacer's order). Several times
  // faster than any writer in JavaScript.
  const scan: Scan = { keys: new Set(), sorted: true }
  if (isPlain(value, 0, scan) && !scan.keys.has('__proto__')) {
    const native = scan.sorted
      ? JSON.stringify(value)
      : JSON.stringify(value, Array.from(scan.keys).sort(compareKeys))
    if (native !== undefined && !native.includes('\\ud')) return native
  }
  try {
    return write(value, '', [], false) as string
  } catch (error) {
    throw error instanceof CanonicalFailure ? toMimaError(error) : error
  }
}

/** The careful writer alone, without the native fast path (tests compare the two). */
export function canonicalJsonCareful(value: unknown): string {
  try {
    return write(value, '', [], false) as string
  } catch (error) {
    throw error instanceof CanonicalFailure ? toMimaError(error) : error
  }
}

class CanonicalFailure {
  readonly segments: string[] = []
  constructor(
    readonly what: string,
    readonly hint: string | undefined,
  ) {}
}

function formatPath(segments: readonly string[]): string {
  let path = '$'
  for (const segment of segments) {
    path += /^\d+$/.test(segment)
      ? `[${segment}]`
      : /^[A-Za-z_$][\w$]*$/.test(segment)
        ? `.${segment}`
        : `[${JSON.stringify(segment)}]`
  }
  return path
}

function toMimaError(failure: CanonicalFailure): MimaError {
  const path = formatPath(failure.segments)
  return new MimaError(
    'validation_failed',
    `Cannot hash ${failure.what} at ${path}: canonical JSON (RFC 8785) has no faithful form for it.${failure.hint ? ` ${failure.hint}` : ''}`,
    { details: { path } },
  )
}

function fail(what: string, hint?: string): never {
  throw new CanonicalFailure(what, hint)
}

interface Scan {
  keys: Set<string>
  sorted: boolean
}

/**
 * Whether `value` is plain JSON data: strings, finite numbers, booleans, null, arrays and plain
 * objects without `toJSON` or `undefined` members, at most 64 levels deep (deeper data, and
 * cycles, take the careful path). Collects every object key and whether all were in order.
 */
function isPlain(value: unknown, depth: number, scan: Scan): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null) return true
      if (depth > 64) return false
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!isPlain(value[index], depth + 1, scan)) return false
        }
        return true
      }
      const prototype = Object.getPrototypeOf(value)
      if (prototype !== Object.prototype && prototype !== null) return false
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
      const keys = Object.keys(value)
      for (let index = 0; index < keys.length; index++) {
        const key = keys[index] as string
        if (index > 0 && (keys[index - 1] as string) >= key) scan.sorted = false
        scan.keys.add(key)
        if (!isPlain((value as Record<string, unknown>)[key], depth + 1, scan)) return false
      }
      return true
    }
    default:
      return false
  }
}

function writeString(value: string): string {
  const written = JSON.stringify(value)
  // JSON.stringify escapes a lone surrogate as \udXXX (a literal backslash in the text doubles).
  if (written.includes('\\ud') && LONE_SURROGATE.test(value)) {
    fail('a string with a lone UTF-16 surrogate', 'RFC 8785 requires well-formed Unicode.')
  }
  return written
}

function compareKeys(left: string, right: string): number {
  // Default string comparison in JS is by UTF-16 code units, which is what RFC 8785 asks for.
  return left < right ? -1 : left > right ? 1 : 0
}

/**
 * Writes one value. `member` is true for an object member, which skips undefined, functions and
 * symbols (returns undefined); elsewhere undefined is null and functions/symbols are rejected.
 */
function write(value: unknown, key: string, stack: object[], member: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
      return writeString(value)
    case 'number':
      // ECMAScript Number-to-string, as RFC 8785 §3.2.2.3 requires; -0 becomes "0".
      if (!Number.isFinite(value)) fail(String(value), 'RFC 8785 has no NaN or Infinity.')
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return member ? undefined : 'null'
    case 'bigint':
      return fail('a bigint', 'Convert it to a string or a number first.')
    case 'function':
    case 'symbol':
      return member ? undefined : fail(`a ${typeof value}`)
  }
  if (value === null) return 'null'
  const object = value as object
  if (Array.isArray(object)) {
    if (stack.includes(object)) fail('a cycle')
    stack.push(object)
    let out = '['
    let index = 0
    try {
      for (; index < object.length; index++) {
        if (index > 0) out += ','
        out += write(object[index], String(index), stack, false)
      }
    } catch (error) {
      if (error instanceof CanonicalFailure) error.segments.unshift(String(index))
      throw error
    }
    stack.pop()
    return `${out}]`
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return fail('binary data', 'Encode bytes yourself (base64 or hex) or hash them with sha256Hex.')
  }
  if (
    object instanceof Map ||
    object instanceof Set ||
    object instanceof WeakMap ||
    object instanceof WeakSet
  ) {
    return fail(`a ${object.constructor.name}`, 'Convert it to an object or an array first.')
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') {
    return write(toJSON.call(object, key), key, stack, member)
  }
  if (stack.includes(object)) fail('a cycle')
  stack.push(object)
  const keys = Object.keys(object)
  // Sorting is the expensive part; objects written by code are often already sorted.
  for (let index = 1; index < keys.length; index++) {
    if ((keys[index - 1] as string) > (keys[index] as string)) {
      keys.sort(compareKeys)
      break
    }
  }
  let out = '{'
  let first = true
  let current = ''
  try {
    for (const name of keys) {
      current = name
      const written = write((object as Record<string, unknown>)[name], name, stack, true)
      if (written === undefined) continue
      out += first ? `${writeString(name)}:${written}` : `,${writeString(name)}:${written}`
      first = false
    }
  } catch (error) {
    if (error instanceof CanonicalFailure) error.segments.unshift(current)
    throw error
  }
  stack.pop()
  return `${out}}`
}

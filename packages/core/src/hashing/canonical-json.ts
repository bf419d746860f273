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
  // every object's keys come out sorted: as they are, or in a copy whose keys were inserted in
  // UTF-16 order (JSON.stringify writes keys in insertion order, except integer-like keys, which
  // objects always list first: data with a key starting with a digit takes the careful path).
  // Several times faster than any writer in JavaScript, and a copy beats a replacer array ~2x.
  const scan: Scan = { sorted: true, special: false }
  if (isPlain(value, 0, scan) && !scan.special) {
    const native = JSON.stringify(scan.sorted ? value : sortedCopy(value))
    if (native !== undefined && !native.includes('\\ud')) return native
  }
  return canonicalJsonCareful(value)
}

/** The careful writer alone, without the native fast path (tests compare the two). */
export function canonicalJsonCareful(value: unknown): string {
  const sink: Sink = { text: '', parts: undefined }
  run(value, sink)
  return sink.text
}

/**
 * What {@link captureCanonical} keeps: the canonical text, with long string values left raw
 * (strings are immutable, so keeping a reference is a snapshot). `parts` alternates finished JSON
 * text and raw strings still to be escaped.
 */
export type CanonicalSnapshot = string | readonly string[]

// Strings longer than this are escaped when the snapshot is hashed, not when it is taken.
const DEFER_LENGTH = 64

/**
 * Takes the canonical form of `value` now (validating it exactly as {@link canonicalJson} does,
 * so bad input fails at once, with its path) but leaves the escaping of long strings for later.
 * `attest` calls this on the hot path and hashes with {@link hashSnapshot} off it.
 */
export function captureCanonical(value: unknown): CanonicalSnapshot {
  const sink: Sink = { text: '', parts: [] }
  run(value, sink)
  const parts = sink.parts as string[]
  if (parts.length === 0) return sink.text
  parts.push(sink.text)
  return parts
}

/** The canonical text of a snapshot (`parts` joined, raw strings escaped). */
export function snapshotText(snapshot: CanonicalSnapshot): string {
  if (typeof snapshot === 'string') return snapshot
  let text = ''
  for (let index = 0; index < snapshot.length; index++) {
    const part = snapshot[index] as string
    if (index % 2 === 0) {
      text += part
    } else {
      const written = JSON.stringify(part)
      if (written.includes('\\ud') && LONE_SURROGATE.test(part)) {
        throw new MimaError(
          'validation_failed',
          'Cannot hash a string with a lone UTF-16 surrogate: canonical JSON (RFC 8785) requires well-formed Unicode.',
        )
      }
      text += written
    }
  }
  return text
}

interface Sink {
  text: string
  /** When set, long strings are deferred: [text, raw, text, raw, …]. */
  parts: string[] | undefined
}

function run(value: unknown, sink: Sink): void {
  try {
    writeValue(resolve(value, ''), sink, [])
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

/** Applies `toJSON` (as JSON.stringify does) so the caller can tell whether a member is skipped. */
function resolve(value: unknown, key: string): unknown {
  if (typeof value === 'object' && value !== null) {
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function' && !ArrayBuffer.isView(value)) return toJSON.call(value, key)
  }
  return value
}

/** undefined, functions and symbols: left out as object members (JSON.stringify's rule). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol'
}

function writeValue(value: unknown, sink: Sink, stack: object[]): void {
  switch (typeof value) {
    case 'string':
      if (sink.parts !== undefined && value.length > DEFER_LENGTH) {
        sink.parts.push(sink.text, value)
        sink.text = ''
      } else {
        sink.text += writeString(value)
      }
      return
    case 'number':
      // ECMAScript Number-to-string, as RFC 8785 §3.2.2.3 requires; -0 becomes "0".
      if (!Number.isFinite(value)) fail(String(value), 'RFC 8785 has no NaN or Infinity.')
      sink.text += JSON.stringify(value)
      return
    case 'boolean':
      sink.text += value ? 'true' : 'false'
      return
    case 'undefined':
      sink.text += 'null' // an array element or the top level, like JSON.stringify
      return
    case 'bigint':
      fail('a bigint', 'Convert it to a string or a number first.')
      return
    case 'function':
    case 'symbol':
      fail(`a ${typeof value}`)
      return
  }
  if (value === null) {
    sink.text += 'null'
    return
  }
  const object = value as object
  if (Array.isArray(object)) {
    if (stack.includes(object)) fail('a cycle')
    stack.push(object)
    sink.text += '['
    let index = 0
    try {
      for (; index < object.length; index++) {
        if (index > 0) sink.text += ','
        writeValue(resolve(object[index], String(index)), sink, stack)
      }
    } catch (error) {
      if (error instanceof CanonicalFailure) error.segments.unshift(String(index))
      throw error
    }
    stack.pop()
    sink.text += ']'
    return
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    fail('binary data', 'Encode bytes yourself (base64 or hex) or hash them with sha256Hex.')
  }
  if (
    object instanceof Map ||
    object instanceof Set ||
    object instanceof WeakMap ||
    object instanceof WeakSet
  ) {
    fail(`a ${object.constructor.name}`, 'Convert it to an object or an array first.')
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
  sink.text += '{'
  let first = true
  let current = ''
  try {
    for (const name of keys) {
      current = name
      const member = resolve((object as Record<string, unknown>)[name], name)
      if (isSkipped(member)) continue
      sink.text += first ? `${writeString(name)}:` : `,${writeString(name)}:`
      first = false
      writeValue(member, sink, stack)
    }
  } catch (error) {
    if (error instanceof CanonicalFailure) error.segments.unshift(current)
    throw error
  }
  stack.pop()
  sink.text += '}'
}
interface Scan {
  /** Every object's keys were already in UTF-16 order. */
  sorted: boolean
  /** A key starts with a digit (objects list integer-like keys first) or is `__proto__`. */
  special: boolean
}

/**
 * A copy of plain JSON data (checked by {@link isPlain}, no special key) with every object's keys
 * inserted in UTF-16 order, so JSON.stringify writes them sorted.
 */
function sortedCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(sortedCopy)
  const keys = Object.keys(value).sort(compareKeys)
  const copy: Record<string, unknown> = {}
  for (const key of keys) copy[key] = sortedCopy((value as Record<string, unknown>)[key])
  return copy
}

/**
 * Whether `value` is plain JSON data: strings, finite numbers, booleans, null, arrays and plain
 * objects without `toJSON` or `undefined` members, at most 64 levels deep (deeper data, and
 * cycles, take the careful path). Notes whether all keys were in order and any was special.
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
        const first = key.charCodeAt(0)
        if ((first >= 48 && first <= 57) || (first === 95 && key === '__proto__')) scan.special = true
        if (!isPlain((value as Record<string, unknown>)[key], depth + 1, scan)) return false
      }
      return true
    }
    default:
      return false
  }
}

import { MimaError } from '../errors/mima-error'

// Any UTF-16 surrogate code unit. Strings without one cannot hold a lone surrogate,
// so the precise (slower) check only runs on the rare strings that have one.
const SURROGATE = /[\ud800-\udfff]/
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

function writeString(value: string): string {
  if (SURROGATE.test(value) && LONE_SURROGATE.test(value)) {
    fail('a string with a lone UTF-16 surrogate', 'RFC 8785 requires well-formed Unicode.')
  }
  return JSON.stringify(value)
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

import { MimaError } from '../errors/mima-error'
import { JsonNumberLiteral } from './json-number-literals'

/**
 * Python's `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`,
 * byte for byte for JSON data: keys sorted by code point, every character outside printable
 * ASCII escaped as lowercase `\uXXXX` (surrogate pairs for astral characters), floats in
 * Python's `repr` form (`1e-05`, `1e+16`). A JavaScript number that is a safe integer is written
 * as a Python `int` would be (JSON cannot tell `1` from `1.0`). `undefined` members are left out.
 * A {@link JsonNumberLiteral} is written as Python writes what `json.loads` makes of it: an
 * integer literal as that `int` (any size), any other number as a `float` (`1.0`, `1e-05`).
 */
export function pythonJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pythonString(value)
    case 'number':
      return pythonNumber(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (value instanceof JsonNumberLiteral) return pythonNumberLiteral(value.literal)
      if (Array.isArray(value)) return `[${value.map((item) => pythonJson(item)).join(',')}]`
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort(compareCodePoints)
      return `{${keys.map((key) => `${pythonString(key)}:${pythonJson(record[key])}`).join(',')}}`
    }
    default:
      throw new MimaError('validation_failed', `A GRC record cannot hold a ${typeof value}.`)
  }
}

function compareCodePoints(left: string, right: string): number {
  const a = Array.from(left)
  const b = Array.from(right)
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = (a[index] as string).codePointAt(0)! - (b[index] as string).codePointAt(0)!
    if (difference !== 0) return difference
  }
  return a.length - b.length
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

function pythonString(value: string): string {
  let out = '"'
  for (let index = 0; index < value.length; index++) {
    const char = value[index] as string
    const code = value.charCodeAt(index)
    const short = SHORT_ESCAPES[char]
    if (short !== undefined) out += short
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += char
  }
  return `${out}"`
}

function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new MimaError('validation_failed', `A GRC record cannot hold ${value}.`)
  }
  if (Number.isSafeInteger(value)) return String(value)
  return pythonFloat(value)
}

function pythonNumberLiteral(literal: string): string {
  // json.loads makes an int of digits alone (any size; "-0" is 0), a float of anything else.
  if (/^-?\d+$/.test(literal)) return BigInt(literal).toString()
  const value = Number(literal)
  if (value === Number.POSITIVE_INFINITY) return 'Infinity'
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity'
  return pythonFloat(value)
}

function pythonFloat(value: number): string {
  if (Object.is(value, -0)) return '-0.0'
  // Python's float repr: the shortest round-trip digits (same as JS), fixed notation when the
  // decimal exponent is in [-4, 16), otherwise `d.ddde±XX` with at least two exponent digits.
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  let out: string
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) out = `0.${'0'.repeat(-exponent - 1)}${digits}`
    else if (digits.length <= exponent + 1) out = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`
    else out = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`
  } else {
    const fraction = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : (digits as string)
    out = `${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return negative ? `-${out}` : out
}

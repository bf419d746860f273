import { MimaError } from '../errors/mima-error'

/**
 * A JSON number exactly as it was written in the source text (`1.0`, `1152921504606846976`,
 * `1e-05`). JavaScript's `JSON.parse` turns `1.0` into `1` and rounds integers above 2^53, so a
 * signature over Python's serialisation of the same record cannot be rebuilt from parsed numbers.
 */
export class JsonNumberLiteral {
  /** The number's characters in the source text. */
  readonly literal: string

  constructor(literal: string) {
    this.literal = literal
  }
}

const MAX_DEPTH = 1000
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings refuse raw U+0000–U+001F
const STRING_CHARS = /[^"\\\u0000-\u001f]*/y
const WHITESPACE = /[ \t\n\r]*/y
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}

/**
 * Parses JSON text like `JSON.parse`, except that every number is a {@link JsonNumberLiteral}
 * holding its characters as written. Objects have no prototype (a `"__proto__"` key is an
 * ordinary key); a repeated key keeps its last value, as in `JSON.parse` and Python's
 * `json.loads`. Only for signature checks (see `verifyGrcSignature`'s `sourceText`).
 *
 * @example
 * ```ts
 * const record = parseJsonNumberLiterals('{"score":1.0}') as { score: JsonNumberLiteral }
 * record.score.literal // "1.0"
 * ```
 */
export function parseJsonNumberLiterals(text: string): unknown {
  let position = 0
  const fail = (what: string): never => {
    throw new MimaError('validation_failed', `Invalid JSON at position ${position}: ${what}.`)
  }
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = position
    WHITESPACE.exec(text)
    position = WHITESPACE.lastIndex
  }
  const readString = (): string => {
    position++ // opening quote
    let out = ''
    for (;;) {
      STRING_CHARS.lastIndex = position
      const run = STRING_CHARS.exec(text)?.[0] ?? ''
      out += run
      position += run.length
      const char = text[position]
      if (char === '"') {
        position++
        return out
      }
      if (char !== '\\')
        return fail(char === undefined ? 'unterminated string' : 'control character in string')
      const escaped = text[position + 1]
      if (escaped === 'u') {
        const hex = text.slice(position + 2, position + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('bad \\u escape')
        out += String.fromCharCode(Number.parseInt(hex, 16))
        position += 6
      } else {
        const simple = escaped === undefined ? undefined : SIMPLE_ESCAPES[escaped]
        if (simple === undefined) return fail('bad escape')
        out += simple
        position += 2
      }
    }
  }
  const readValue = (depth: number): unknown => {
    if (depth > MAX_DEPTH) return fail('nested too deeply')
    skipWhitespace()
    const char = text[position]
    if (char === '{') {
      position++
      const object: Record<string, unknown> = Object.create(null)
      skipWhitespace()
      if (text[position] === '}') {
        position++
        return object
      }
      for (;;) {
        skipWhitespace()
        if (text[position] !== '"') return fail('expected a key')
        const key = readString()
        skipWhitespace()
        if (text[position] !== ':') return fail('expected ":"')
        position++
        object[key] = readValue(depth + 1)
        skipWhitespace()
        const next = text[position++]
        if (next === '}') return object
        if (next !== ',') return fail('expected "," or "}"')
      }
    }
    if (char === '[') {
      position++
      const array: unknown[] = []
      skipWhitespace()
      if (text[position] === ']') {
        position++
        return array
      }
      for (;;) {
        array.push(readValue(depth + 1))
        skipWhitespace()
        const next = text[position++]
        if (next === ']') return array
        if (next !== ',') return fail('expected "," or "]"')
      }
    }
    if (char === '"') return readString()
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, position)) {
        position += word.length
        return value
      }
    }
    NUMBER.lastIndex = position
    const number = NUMBER.exec(text)?.[0]
    if (number === undefined) return fail('unexpected character')
    position += number.length
    return new JsonNumberLiteral(number)
  }
  const value = readValue(0)
  skipWhitespace()
  if (position !== text.length) fail('unexpected text after the value')
  return value
}

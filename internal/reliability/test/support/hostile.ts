// fast-check arbitraries for hostile requests: strings, JSON values, path segments and query
// values that an outside probe would send.
import fc from 'fast-check'

const NUL = '\u0000'

/** Strings chosen to break storage, parsers and renderers, plus fast-check's own. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      NUL,
      `a${NUL}b`,
      '\ud800',
      '\udfff',
      'x\ud83d',
      '\u202e',
      '\ufeff',
      "' or 1=1 --",
      "'); drop table attestations; --",
      '<script>alert(1)</script>',
      '"><img src=x onerror=alert(1)>',
      '../../../../etc/passwd',
      `\${7*7}{{7*7}}`,
      '%00',
      '%',
      '0000-01-01',
      '99999-12-31T00:00:00Z',
      '2026-02-30',
      '-1',
      '1e400',
      'NaN',
      '',
      ' ',
      'null',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((kb) => 'A'.repeat(kb * 25_000)) },
)

/** Numbers at the edges: huge, negative, fractional, unsafe integers. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, -1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER, 0.5),
)

/** JSON values with hostile leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value

/** Raw JSON text nested `depth` levels (beyond what JSON.stringify can build). */
export function nestedJsonText(depth: number): string {
  return `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`
}

/** A percent-encoded path segment: an encoded hostile string, or raw malformed escapes. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString
    .filter((text) => text.length > 0 && text.length < 2000)
    // `.` and `..` are resolved by the client before sending: not an id a server ever sees.
    .map((text) => encodeSegment(text).replace(/^\.\.?$/, (dots) => `${dots}x`)),
  fc.constantFrom('%00', 'x%00', '%ED%A0%80', '%C0%AF', '%E0%A4%A', '%', '%zz', 'a%2Fb', '%FF%FE'),
)

function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text)
  } catch {
    // A lone surrogate cannot be encoded as UTF-8: send the CESU-style bytes a probe would.
    return [...text].map((char) => `%${(char.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`).join('')
  }
}

/** A query value: encoded hostile strings or malformed escapes. */
export const hostileQueryValue: fc.Arbitrary<string> = hostileSegment

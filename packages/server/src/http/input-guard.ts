/**
 * The server's one input-normalisation and validation layer, applied at the boundary to every
 * request before any route runs (path and query) and to every JSON body `readJson` parses.
 *
 * What it refuses, and why (PostgreSQL and our canonical hashing cannot hold these, so letting
 * them through turns hostile input into a 500 deep inside a route):
 * - NUL (`U+0000`) in any string or object key: PostgreSQL `text` and `jsonb` cannot store it.
 * - Lone UTF-16 surrogates: not Unicode text; `jsonb` refuses them and hashes become ambiguous.
 * - Malformed percent-encoding and control characters in path segments (ids never contain them).
 * - JSON nested deeper than {@link MAX_JSON_DEPTH} levels.
 * - Dates outside years 0001–9999 (see {@link parseTimestamp}).
 *
 * Each refusal is a 4xx JSON error naming the offending field; nothing is stored.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './context'
import { httpError } from './errors'

/** How deep a JSON body may nest (objects and arrays). Deeper bodies answer 422. */
export const MAX_JSON_DEPTH = 64

// NUL, or a surrogate half without its partner (matched on UTF-16 code units: no `u` flag).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is this regex's purpose
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
// Anything a path segment must not hold once decoded: C0 controls and DEL.
// A cheap first test: only strings holding NUL or any surrogate get the precise check.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is this regex's purpose
const SUSPECT_TEXT = /[\u0000\ud800-\udfff]/
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const BAD_PATH_TEXT = /[\u0000-\u001f\u007f]/

/** Why `text` cannot be stored (`"a NUL character"`, `"a lone UTF-16 surrogate"`), or undefined. */
export function textProblem(text: string): string | undefined {
  const match = BAD_TEXT.exec(text)
  if (match === null) return undefined
  return match[0] === '\u0000' ? 'a NUL character (U+0000)' : 'a lone UTF-16 surrogate'
}

/**
 * Walks a parsed JSON value and throws a 422 `validation_failed` naming the first string or key
 * that holds NUL or a lone surrogate, or the first value nested deeper than `maxDepth`.
 *
 * @example
 * ```ts
 * assertStorableJson(JSON.parse('{"a":"x\\u0000"}')) // throws: a contains a NUL character
 * ```
 */
export function assertStorableJson(value: unknown, maxDepth: number = MAX_JSON_DEPTH): void {
  // Iterative: a hostile body must not be able to overflow our own stack either. Paths are built
  // only for the error (walking up through `parent`), so a clean body costs one visit per value.
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: undefined }]
  while (stack.length > 0) {
    const item = stack.pop() as Visit
    const current = item.value
    if (typeof current === 'string') {
      if (SUSPECT_TEXT.test(current)) {
        const problem = textProblem(current)
        if (problem !== undefined) {
          const field = pathOf(item)
          throw httpError('validation_failed', `${field} contains ${problem}.`, { field })
        }
      }
      continue
    }
    if (typeof current !== 'object' || current === null) continue
    if (item.depth >= maxDepth) {
      const field = pathOf(item)
      throw httpError(
        'validation_failed',
        `The request body is nested too deeply (more than ${maxDepth} levels) at ${field}.`,
        { field, max_depth: maxDepth },
      )
    }
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        stack.push({ value: current[index], depth: item.depth + 1, parent: item, key: index })
      }
      continue
    }
    for (const key in current) {
      if (!Object.hasOwn(current, key)) continue
      if (SUSPECT_TEXT.test(key) && textProblem(key) !== undefined) {
        const field = pathOf(item)
        throw httpError('validation_failed', `A key in ${field} contains ${textProblem(key)}.`, { field })
      }
      stack.push({
        value: (current as Record<string, unknown>)[key],
        depth: item.depth + 1,
        parent: item,
        key,
      })
    }
  }
}

interface Visit {
  value: unknown
  depth: number
  parent: Visit | undefined
  key: string | number | undefined
}

/** `records[3].tool_name` for a visit; `body` for the root. */
function pathOf(visit: Visit): string {
  const parts: string[] = []
  for (let current: Visit | undefined = visit; current?.key !== undefined; current = current.parent) {
    parts.push(typeof current.key === 'number' ? `[${current.key}]` : `.${current.key}`)
  }
  const path = parts.reverse().join('').replace(/^\./, '')
  return path === '' ? 'body' : path
}

/** Decodes one percent-encoded URL component, or undefined when the encoding is malformed. */
function decodeComponent(raw: string, plusIsSpace: boolean): string | undefined {
  const text = plusIsSpace ? raw.replace(/\+/g, ' ') : raw
  if (!text.includes('%')) return text
  try {
    // Fails on truncated escapes and on bytes that are not UTF-8 (which includes encoded surrogates).
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** The raw path and query of a request URL, without building a `URL` object. */
function splitUrl(url: string): { path: string; query: string } {
  const schemeEnd = url.indexOf('://')
  const pathStart = url.indexOf('/', schemeEnd === -1 ? 0 : schemeEnd + 3)
  if (pathStart === -1) return { path: '/', query: '' }
  const queryStart = url.indexOf('?', pathStart)
  const hashStart = url.indexOf('#', pathStart)
  const pathEnd = queryStart === -1 ? (hashStart === -1 ? url.length : hashStart) : queryStart
  const path = url.slice(pathStart, pathEnd)
  if (queryStart === -1) return { path, query: '' }
  return { path, query: url.slice(queryStart + 1, hashStart > queryStart ? hashStart : url.length) }
}

/** Throws a 400 when a path segment is malformed or holds control characters. */
export function assertCleanPath(path: string): void {
  if (!path.includes('%') && !BAD_PATH_TEXT.test(path)) return
  for (const segment of path.split('/')) {
    const decoded = decodeComponent(segment, false)
    if (decoded === undefined) {
      throw httpError(
        'bad_request',
        `The URL path segment "${segment.slice(0, 60)}" is not valid percent-encoded UTF-8.`,
        {
          field: 'path',
        },
      )
    }
    if (BAD_PATH_TEXT.test(decoded)) {
      throw httpError('bad_request', 'A URL path segment contains a control character (such as %00).', {
        field: 'path',
      })
    }
  }
}

/** Throws a 400 when a query parameter's name or value is malformed or holds NUL. */
export function assertCleanQuery(query: string): void {
  if (query === '') return
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const rawName = equals === -1 ? pair : pair.slice(0, equals)
    const name = decodeComponent(rawName, true)
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1), true)
    const field = name ?? rawName.slice(0, 60)
    if (name === undefined || value === undefined) {
      throw httpError('bad_request', `The query parameter "${field}" is not valid percent-encoded UTF-8.`, {
        field,
      })
    }
    const problem = textProblem(name) ?? textProblem(value)
    if (problem !== undefined) {
      throw httpError('bad_request', `The query parameter "${field}" contains ${problem}.`, { field })
    }
  }
}

/**
 * Middleware: refuses a request whose path or query cannot be stored or matched safely, before
 * authentication or any route runs. Bodies are checked where they are parsed (`readJson`).
 */
export function inputGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { path, query } = splitUrl(c.req.url)
    assertCleanPath(path)
    assertCleanQuery(query)
    await next()
  }
}

// What a browser form posts; such bodies are parsed by the framework (`c.req.parseBody()`), not `readJson`.
const FORM_CONTENT_TYPE = /^\s*(?:multipart\/form-data|application\/x-www-form-urlencoded)\b/i

/**
 * Middleware: refuses a form body (urlencoded or multipart) that cannot be parsed (400) or whose
 * field names or text values hold NUL or a lone surrogate (422), before any route reads it. Runs
 * after the body-size limit; it parses a copy, so the route still reads the body itself.
 */
export function formGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header('content-type')
    if (
      type === undefined ||
      !FORM_CONTENT_TYPE.test(type) ||
      c.req.method === 'GET' ||
      c.req.method === 'HEAD'
    ) {
      return next()
    }
    let form: FormData
    try {
      form = await c.req.raw.clone().formData()
    } catch {
      throw httpError(
        'bad_request',
        'The form body could not be parsed: send application/x-www-form-urlencoded, or multipart/form-data with its boundary.',
      )
    }
    for (const [name, value] of form.entries()) {
      const problem = textProblem(name) ?? (typeof value === 'string' ? textProblem(value) : undefined)
      if (problem !== undefined) {
        const field = name.replaceAll('\u0000', '?').slice(0, 60)
        throw httpError('validation_failed', `The form field "${field}" contains ${problem}.`, { field })
      }
    }
    await next()
  }
}

/** Earliest and latest instants the server accepts in a date (years 0001–9999, UTC). */
const EARLIEST = (() => {
  const date = new Date(0)
  date.setUTCFullYear(1, 0, 1)
  date.setUTCHours(0, 0, 0, 0)
  return date.getTime()
})()
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * Parses an ISO-8601 date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`, with fractional
 * seconds of any length) into epoch milliseconds, or undefined when it is not one or falls
 * outside years 0001–9999 (PostgreSQL has no year 0; JavaScript writes years past 9999 in a
 * form PostgreSQL does not read).
 */
export function parseTimestamp(value: string): number | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(value)
  if (date === null || value.length > 64) return undefined
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])]
  // `Date.parse` rolls 2026-02-30 over to March 2; a calendar date must exist as written.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  const millis = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'))
  if (Number.isNaN(millis) || millis < EARLIEST || millis > LATEST) return undefined
  return millis
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
}

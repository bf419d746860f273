import type { Context } from 'hono'
import type { AppEnv } from './context'
import { httpError } from './errors'

/** An optional non-negative integer query parameter (422 when present but not one). */
export function integerQuery(
  context: Context<AppEnv>,
  name: string,
  options: { max?: number } = {},
): number | undefined {
  const raw = context.req.query(name)
  if (raw === undefined || raw === '') return undefined
  if (!/^\d{1,15}$/.test(raw))
    throw httpError('validation_failed', `${name} must be a non-negative integer.`, { field: name })
  const value = Number(raw)
  if (options.max !== undefined && value > options.max) {
    throw httpError('validation_failed', `${name} must be at most ${options.max}.`, { field: name })
  }
  return value
}

/** An optional string query parameter, trimmed; undefined when absent or empty. */
export function stringQuery(context: Context<AppEnv>, name: string): string | undefined {
  const raw = context.req.query(name)
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

/** An optional boolean query parameter (`true`/`false`/`1`/`0`). */
export function booleanQuery(context: Context<AppEnv>, name: string): boolean | undefined {
  const raw = stringQuery(context, name)
  if (raw === undefined) return undefined
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw httpError('validation_failed', `${name} must be true or false.`, { field: name })
}

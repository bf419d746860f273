import type { Context } from 'hono'
import type { Queryable } from '../storage/database'
import type { AppEnv } from './context'
import { httpError } from './errors'
import { InvalidField, optionalIdempotencyKey } from './validation'

/** The request's `Idempotency-Key` header (422 when malformed), or undefined. */
export function idempotencyKeyHeader(context: Context<AppEnv>): string | undefined {
  try {
    return optionalIdempotencyKey(context.req.header('idempotency-key'), 'Idempotency-Key')
  } catch (error) {
    if (error instanceof InvalidField)
      throw httpError('validation_failed', error.message, { field: 'Idempotency-Key' })
    throw error
  }
}

/** A stored response for an idempotency key. */
export interface StoredResponse {
  requestHash: string
  status: number
  body: unknown
}

/** The response stored for `(workspace, route, key)`, if any. */
export async function findStoredResponse(
  database: Queryable,
  workspaceId: string,
  route: string,
  key: string,
): Promise<StoredResponse | undefined> {
  const { rows } = await database.query<{ request_hash: string; status: number; response: unknown }>(
    `select request_hash, status, response from idempotency_requests
     where workspace_id = $1 and route = $2 and idempotency_key = $3`,
    [workspaceId, route, key],
  )
  const row = rows[0]
  return row === undefined
    ? undefined
    : { requestHash: row.request_hash, status: row.status, body: row.response }
}

/** Stores the first response for `(workspace, route, key)` (a concurrent twin keeps the first). */
export async function storeResponse(
  database: Queryable,
  workspaceId: string,
  route: string,
  key: string,
  response: StoredResponse,
): Promise<void> {
  await database.query(
    `insert into idempotency_requests (workspace_id, route, idempotency_key, request_hash, status, response)
     values ($1, $2, $3, $4, $5, $6::jsonb) on conflict do nothing`,
    [workspaceId, route, key, response.requestHash, response.status, JSON.stringify(response.body)],
  )
}

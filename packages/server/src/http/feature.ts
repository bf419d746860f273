import type { Hono } from 'hono'
import type { Migration } from '../storage/migrations'
import type { AppEnv, ServerContext } from './context'

/**
 * A feature module of the server: its routes and its migrations. Routes are registered on a
 * router that the app mounts both under `/api` and at the root, so `register` uses paths
 * without `/api` (e.g. `/workspaces/:ws/governance/grc/readiness`).
 */
export interface ServerFeature {
  /** Short name, used in logs and errors. */
  name: string
  /** The feature's migrations, in its reserved number range. */
  migrations?: readonly Migration[]
  /** Adds the feature's routes. Authentication has run: use `requireWorkspace(c, …)` in handlers. */
  register(api: Hono<AppEnv>, context: ServerContext): void
}

/**
 * Declares a feature module (identity function that gives type checking).
 *
 * @example
 * ```ts
 * export const grcFeature: ServerFeature = defineFeature({
 *   name: 'grc',
 *   migrations: [{ id: '010_grc_gates', sql: 'create table grc_gates (workspace_id text not null, …)' }],
 *   register(api, server) {
 *     api.get('/workspaces/:ws/governance/grc/readiness', async (c) => {
 *       const { workspaceId } = requireWorkspace(c)
 *       return c.json(await readiness(server.database, workspaceId))
 *     })
 *   },
 * })
 * ```
 */
export function defineFeature(feature: ServerFeature): ServerFeature {
  return feature
}

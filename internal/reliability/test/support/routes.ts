// The routes the server's router actually serves, read from a real app built on a running test
// server's database and ledger: suites enumerate these instead of keeping their own lists, so a
// route added later is fuzzed and checked without anyone remembering to add it.
import { createApp, silentLogger } from '@mima/server'
import type { TestServer } from '@mima-internal/test-server'

/** One route as the router holds it (`/workspaces/:ws/keys/:id`, without the `/api` mount). */
export interface ServedRoute {
  method: string
  path: string
}

/**
 * Every concrete route (no catch-all middleware entries, no `/api` duplicate mount), in registration
 * order.
 */
export async function servedRoutes(server: TestServer): Promise<ServedRoute[]> {
  const hooks: Array<() => Promise<void> | void> = []
  const app = createApp({
    database: server.server.database,
    ledger: server.server.ledger,
    logger: silentLogger,
    shutdownHooks: hooks,
  })
  const seen = new Map<string, ServedRoute>()
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path.includes('*') || route.path.startsWith('/api/')) continue
    seen.set(`${route.method} ${route.path}`, { method: route.method, path: route.path })
  }
  // The features' timers and LISTEN connections of this second app: released at once.
  for (const hook of hooks.reverse()) await hook()
  return [...seen.values()]
}

/** The route's path with `:ws` set to the workspace and every other parameter set to `segment`. */
export function fillRoute(path: string, workspaceId: string, segment: string): string {
  return path.replace(':ws', workspaceId).replace(/:[A-Za-z_]+/g, segment)
}

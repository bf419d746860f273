import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { testDatabaseUrl } from '@mima-internal/test-utils'

/** PGlite always, PostgreSQL too when MIMA_TEST_DATABASE_URL is set. */
export const BACKENDS: readonly ('pglite' | 'postgres')[] = testDatabaseUrl()
  ? ['pglite', 'postgres']
  : ['pglite']

/** A JSON answer: status and parsed body. */
export interface Answer {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
  body: any
}

/** A test server plus an ingest key and a small JSON client for the GRC routes. */
export interface GrcFixture {
  server: TestServer
  ingestKey: string
  /** Calls `/api/workspaces/{ws}/governance/grc/{path}` (or `/workspaces/…` with `prefix: ''`). */
  grc(
    method: string,
    path: string,
    options?: { body?: unknown; key?: string; prefix?: '/api' | '' },
  ): Promise<Answer>
  close(): Promise<void>
}

export async function startGrcFixture(database: 'pglite' | 'postgres'): Promise<GrcFixture> {
  const server = await startTestServer({ database })
  const ingestKey = await server.createKey('ingest', 'ci-agent')
  return {
    server,
    ingestKey,
    async grc(method, path, options = {}) {
      const url = `${server.baseUrl}${options.prefix ?? '/api'}/workspaces/${server.workspaceId}/governance/grc/${path}`
      const response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.key ?? ingestKey}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      })
      const text = await response.text()
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
    },
    close: () => server.close(),
  }
}

/** Score per framework slug from a readiness answer. */
export function scores(readiness: {
  readonly frameworks: readonly { readonly framework: string; readonly score_pct: number }[]
}): Record<string, number> {
  return Object.fromEntries(
    readiness.frameworks.map((framework) => [framework.framework, framework.score_pct]),
  )
}

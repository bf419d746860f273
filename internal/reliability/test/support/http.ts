import { testDatabaseUrl } from '@mima-internal/test-utils'

/** Backends every server test runs on: PGlite always, PostgreSQL when MIMA_TEST_DATABASE_URL is set. */
export const BACKENDS: Array<'pglite' | 'postgres'> =
  testDatabaseUrl() === undefined ? ['pglite'] : ['pglite', 'postgres']

/** What {@link client} answers: status, parsed JSON (when JSON), raw text and headers. */
export interface ClientResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
  json: any
  text: string
  headers: Headers
}

/** A small JSON HTTP client for one base URL and key. */
export function client(baseUrl: string, key?: string, header: 'bearer' | 'x-api-key' = 'bearer') {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(key === undefined
      ? {}
      : header === 'bearer'
        ? { authorization: `Bearer ${key}` }
        : { 'x-api-key': key }),
    ...extra,
  })
  async function call(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<ClientResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
    let json: any
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, json, text, headers: response.headers }
  }
  return {
    get: (path: string, extra?: Record<string, string>) => call('GET', path, undefined, extra),
    post: (path: string, body?: unknown, extra?: Record<string, string>) => call('POST', path, body, extra),
    put: (path: string, body?: unknown) => call('PUT', path, body),
    delete: (path: string) => call('DELETE', path),
    call,
  }
}

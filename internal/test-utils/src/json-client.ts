/** What {@link jsonClient} answers: status, parsed JSON (when JSON), raw text and headers. */
export interface JsonResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: tests assert response fields one by one
  json: any
  text: string
  headers: Headers
}

/** A JSON HTTP client for one base URL and key; `extra` adds request headers. */
export interface JsonClient {
  get(path: string, extra?: Record<string, string>): Promise<JsonResponse>
  post(path: string, body?: unknown, extra?: Record<string, string>): Promise<JsonResponse>
  put(path: string, body?: unknown): Promise<JsonResponse>
  delete(path: string): Promise<JsonResponse>
  /** Any method; a string body is sent as it is, anything else as JSON. */
  call(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<JsonResponse>
}

/**
 * A small JSON HTTP client for tests against a real server: the key goes in `authorization:
 * Bearer` (or `x-api-key`), and a body that is not JSON leaves `json` undefined instead of throwing.
 */
export function jsonClient(
  baseUrl: string,
  key?: string,
  header: 'bearer' | 'x-api-key' = 'bearer',
): JsonClient {
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
  ): Promise<JsonResponse> {
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
    get: (path, extra) => call('GET', path, undefined, extra),
    post: (path, body, extra) => call('POST', path, body, extra),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
    call,
  }
}

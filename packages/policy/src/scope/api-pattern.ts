import { MimaError } from '@mima/core'

/** An API call, normalised: the method (when given) and the URL without user info or fragment. */
export interface ApiRequest {
  readonly method: string | undefined
  readonly url: string
}

/** A compiled `allowedApis` pattern. */
export interface ApiPattern {
  readonly pattern: string
  matches(request: ApiRequest): boolean
}

const METHOD_AND_URL = /^(?:([A-Za-z]+)\s+)?(\S+)$/

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Compiles `GET https://api.stripe.com/v1/*`: an optional method, a scheme, a host where `*`
 * matches one or more labels' characters but never a `/`, and a path where `*` matches anything.
 */
export function compileApiPattern(pattern: string): ApiPattern {
  const match = METHOD_AND_URL.exec(pattern.trim())
  const url = match?.[2]
  const schemeEnd = url?.indexOf('://') ?? -1
  if (match === null || url === undefined || schemeEnd <= 0) {
    throw new MimaError(
      'validation_failed',
      `registerAgent: allowedApis entry ${JSON.stringify(pattern)} must be a URL pattern with a scheme, optionally after a method (GET https://api.example.com/v1/*).`,
    )
  }
  const method = match[1]?.toUpperCase()
  const pathStart = url.indexOf('/', schemeEnd + 3)
  const origin = (pathStart < 0 ? url : url.slice(0, pathStart)).toLowerCase()
  const path = pathStart < 0 ? '/' : url.slice(pathStart)
  const source = escapeRegex(origin).replaceAll('*', '[^/@]*') + escapeRegex(path).replaceAll('*', '.*')
  const regex = new RegExp(`^${source}$`)
  return {
    pattern,
    matches: (request) => (method === undefined || request.method === method) && regex.test(request.url),
  }
}

/**
 * Normalises `POST https://api.stripe.com/v1/refunds` (or a bare URL) the way a client would send
 * it: lower-case host, `..` resolved, default port dropped. A URL with user info is refused
 * (`https://api.stripe.com@evil.example/` is a call to evil.example), as is anything unparsable.
 */
export function normalizeApiRequest(api: string): ApiRequest | undefined {
  const match = METHOD_AND_URL.exec(api.trim())
  if (match === null || match[2] === undefined) return undefined
  let url: URL
  try {
    url = new URL(match[2])
  } catch {
    return undefined
  }
  if (url.username !== '' || url.password !== '') return undefined
  return {
    method: match[1]?.toUpperCase(),
    url: `${url.protocol}//${url.host}${url.pathname}${url.search}`,
  }
}

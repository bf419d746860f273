/**
 * The host (`name` or `name:port`, as written) of an absolute URL string, without parsing it in
 * full: this runs on every request, AI or not. `undefined` for a relative URL.
 */
export function hostOfUrl(url: string): string | undefined {
  const scheme = url.indexOf('://')
  if (scheme === -1 || scheme > 10) return undefined
  const start = scheme + 3
  let end = url.length
  for (let index = start; index < url.length; index += 1) {
    const code = url.charCodeAt(index)
    // '/', '?', '#', '\' end the authority
    if (code === 47 || code === 63 || code === 35 || code === 92) {
      end = index
      break
    }
  }
  const authority = url.slice(start, end)
  const at = authority.lastIndexOf('@')
  return at === -1 ? authority : authority.slice(at + 1)
}

/** The path of a URL without its query or fragment (a query may carry an API key). */
export function requestPath(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return '/'
  }
}

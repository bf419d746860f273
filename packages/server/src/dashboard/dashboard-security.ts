import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/context'
import { httpError } from '../http/errors'

/**
 * The Content-Security-Policy of every dashboard response: scripts, styles and connections only
 * from this server, no inline script or style, no framing, forms post only here.
 */
export const DASHBOARD_CSP: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * Security headers of every dashboard response (CSP, no sniffing, no framing, no caching of pages).
 * The feature router is mounted at `/api` too; the dashboard lives only at `/dashboard`.
 */
export const dashboardHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.path.startsWith('/api/'))
    throw httpError('not_found', `No route for ${c.req.method} ${c.req.path}.`)
  await next()
  c.header('Content-Security-Policy', DASHBOARD_CSP)
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('X-Frame-Options', 'DENY')
  c.header('Referrer-Policy', 'same-origin')
  c.header('Cross-Origin-Opener-Policy', 'same-origin')
  if (!c.req.path.startsWith('/dashboard/assets/')) c.header('Cache-Control', 'no-store')
}

/**
 * Whether the browser reached us over HTTPS (directly, or through a TLS-terminating proxy that says
 * so): the cookie is then `Secure`. Trusting the header can only make the cookie stricter.
 */
export function isHttps(c: Context<AppEnv>): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
  return forwarded === 'https' || new URL(c.req.url).protocol === 'https:'
}

/**
 * Cross-site request check for every state-changing form (on top of the SameSite=Strict cookie):
 * the browser's `Origin` (or, lacking it, `Referer`) must name this very host, and
 * `Sec-Fetch-Site`, when sent, must not say the request came from another site.
 * Returns why the request is refused, or undefined when it is same-origin.
 */
export function crossSiteReason(headers: {
  host: string | undefined
  origin: string | undefined
  referer: string | undefined
  fetchSite: string | undefined
}): string | undefined {
  if (
    headers.fetchSite !== undefined &&
    headers.fetchSite !== 'same-origin' &&
    headers.fetchSite !== 'none'
  ) {
    return `This form was submitted from another site (Sec-Fetch-Site: ${headers.fetchSite}).`
  }
  const source = headers.origin ?? headers.referer
  if (source === undefined || source === 'null' || headers.host === undefined) {
    return 'This form was submitted without an Origin header; submit it from the dashboard.'
  }
  let sourceHost: string
  try {
    sourceHost = new URL(source).host
  } catch {
    return 'This form was submitted with an unreadable Origin header.'
  }
  if (sourceHost !== headers.host) return `This form was submitted from another origin (${sourceHost}).`
  return undefined
}

/** A 403 reply when a state-changing request did not come from this origin; undefined when it did. */
export function refuseCrossSite(c: Context<AppEnv>): Response | undefined {
  const reason = crossSiteReason({
    host: c.req.header('host'),
    origin: c.req.header('origin'),
    referer: c.req.header('referer'),
    fetchSite: c.req.header('sec-fetch-site'),
  })
  if (reason === undefined) return undefined
  return c.json(
    { error: { code: 'forbidden', message: reason, request_id: c.get('requestId') }, detail: reason },
    403,
  )
}

/**
 * What every `register*Pages` module of the dashboard shares: the session lookup, page and form
 * wrappers that demand a session (and, for forms, a same-origin request), and small query helpers.
 */
import { MimaError } from '@mima/core'
import type { Context, Hono } from 'hono'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { AppEnv, Role, ServerContext, UserRole } from '../http/context'
import { httpError } from '../http/errors'
import type { RelyingParty } from '../people/relying-party'
import { Document, Notice, renderDocument } from './dashboard-layout'
import { isHttps, refuseCrossSite } from './dashboard-security'
import type { DashboardSession } from './session-store'

/** The Hono context of a dashboard route. */
export type DashboardContext = Context<AppEnv>

/** Renders a page for a signed-in session. */
export type SessionRender = (c: DashboardContext, session: DashboardSession) => Promise<Response>

/** Who may use a page or form: roles of keys and people alike. */
export interface AccessOptions {
  /** Roles allowed (every signed-in role when omitted); others get a 403. */
  roles?: readonly (Role | UserRole)[]
}

/** Management pages (keys, webhooks, gates, users) are for admins only. */
export const ADMIN_ONLY: AccessOptions = { roles: ['admin'] }

/** The helpers the dashboard feature lends each page module. */
export interface DashboardKit {
  server: ServerContext
  /** A page that needs a session: redirects to sign-in without one, 403 for a role not allowed. */
  page(render: SessionRender, access?: AccessOptions): (c: DashboardContext) => Promise<Response>
  /**
   * A state-changing form: refuses cross-site posts (403), then needs a session (a JSON 401 when
   * the caller asked for JSON, else a redirect to sign-in) and an allowed role (403).
   */
  form(render: SessionRender, access?: AccessOptions): (c: DashboardContext) => Promise<Response>
  /**
   * A management form in one piece ({@link DashboardKit.form} around it): parses the body, runs
   * `change`, and renders the page with the view it returns, or with the message and status of the
   * `MimaError` it raised (bad input is a 4xx on the page and changes nothing); anything else
   * propagates (a 500).
   */
  formAction<View extends FormView>(
    render: (c: DashboardContext, session: DashboardSession, view: View) => Promise<Response>,
    change: (form: FormFields, c: DashboardContext, session: DashboardSession) => Promise<View>,
    access?: AccessOptions,
  ): (c: DashboardContext) => Promise<Response>
  /** The WebAuthn relying party this request's passkeys belong to. */
  relyingParty(c: DashboardContext): RelyingParty
  /** The single sign-on provider's name, when one is configured. */
  sso?: string | undefined
  /** Renders a whole page document. */
  html(c: DashboardContext, element: JSX.Element, status?: number): Response
  refuseCrossSite(c: DashboardContext): Response | undefined
  /** The session of the request's cookie, if any (and records its principal for the access log). */
  sessionOf(c: DashboardContext): Promise<DashboardSession | undefined>
}

/** What a form action tells its page: a notice or an error, and the status to answer with. */
export interface FormView {
  error?: string
  notice?: string
  status?: number
}

/** A posted form's fields (`parseBody({ all: true })`: a repeated field is an array). */
export type FormFields = Record<string, string | File | (string | File)[]>

/** Registers one group of dashboard pages on the feature router. */
export type RegisterPages = (api: Hono<AppEnv>, kit: DashboardKit) => void

/** Rows per list page unless `?limit=` asks otherwise. */
export const PAGE_SIZE = 50

/** Whether the caller (the dashboard's own script) asked for a JSON reply. */
export function wantsJson(c: DashboardContext): boolean {
  return (c.req.header('accept') ?? '').includes('application/json')
}

/** Renders `element` as a whole HTML document. */
export function html(c: DashboardContext, element: JSX.Element, status = 200): Response {
  return c.html(renderDocument(element), status as 200)
}

/** The message of an expected failure (a `MimaError`); anything else is rethrown. */
export function messageOf(error: unknown): string {
  if (MimaError.isInstance(error)) return error.message
  throw error
}

/** A trimmed, non-empty query or form value of at most 500 characters. */
export function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed.slice(0, 500)
}

/** A date-only `until` includes that whole day. */
export function untilFilter(value: string | undefined): string | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const next = new Date(`${value}T00:00:00Z`)
  if (Number.isNaN(next.getTime())) return value
  next.setUTCDate(next.getUTCDate() + 1)
  return next.toISOString()
}

/** `?limit=` between 1 and 200, else {@link PAGE_SIZE}. */
export function pageLimit(c: DashboardContext): number {
  const raw = Number(c.req.query('limit') ?? PAGE_SIZE)
  return Number.isInteger(raw) && raw >= 1 && raw <= 200 ? raw : PAGE_SIZE
}

/** A 403 for a role not allowed: JSON for the dashboard's script, else a page saying so. */
function forbidden(c: DashboardContext, session: DashboardSession, access: AccessOptions): Response {
  const message = `This needs the role ${access.roles?.join(' or ')}; you are signed in as ${session.principal.keyName} with role ${session.principal.role}.`
  if (wantsJson(c) || c.req.method !== 'GET') {
    return c.json(
      { error: { code: 'forbidden', message, request_id: c.get('requestId') }, detail: message },
      403,
    )
  }
  return html(
    c,
    <Document title="Not allowed">
      <main class="login">
        <div class="card">
          <h1>Not allowed</h1>
          <Notice kind="error">{message}</Notice>
          <p>
            <a href="/dashboard">Back to the overview</a>
          </p>
        </div>
      </main>
    </Document>,
    403,
  )
}

function allowed(session: DashboardSession, access: AccessOptions | undefined): boolean {
  return access?.roles === undefined || access.roles.includes(session.principal.role)
}

/** Options of {@link createDashboardKit}. */
export interface DashboardKitOptions {
  /** The console's public URL (`MIMA_PUBLIC_URL`): passkeys belong to its host. */
  publicUrl?: string | undefined
  /** The single sign-on provider's name, when one is configured. */
  sso?: string | undefined
}

/** Builds the kit around a session lookup. */
export function createDashboardKit(
  server: ServerContext,
  sessionOf: (c: DashboardContext) => Promise<DashboardSession | undefined>,
  options: DashboardKitOptions = {},
): DashboardKit {
  const configured = options.publicUrl === undefined ? undefined : new URL(options.publicUrl)
  const form: DashboardKit['form'] = (render, access) => async (c) => {
    const refused = refuseCrossSite(c)
    if (refused !== undefined) return refused
    const session = await sessionOf(c)
    if (session === undefined) {
      if (wantsJson(c)) throw httpError('unauthorized', 'Your dashboard session ended: sign in again.')
      return c.redirect('/dashboard/login', 303)
    }
    if (!allowed(session, access)) return forbidden(c, session, access ?? {})
    return render(c, session)
  }
  return {
    server,
    html,
    refuseCrossSite,
    sessionOf,
    sso: options.sso,
    relyingParty: (c) => {
      if (configured !== undefined) return { id: configured.hostname, origin: configured.origin }
      // Without a configured URL, the origin the browser used (the Host header names it).
      const host = c.req.header('host') ?? new URL(c.req.url).host
      const origin = `${isHttps(c) ? 'https' : 'http'}://${host}`
      return { id: new URL(origin).hostname, origin }
    },
    page: (render, access) => async (c) => {
      const session = await sessionOf(c)
      if (session === undefined) return c.redirect('/dashboard/login', 303)
      if (!allowed(session, access)) return forbidden(c, session, access ?? {})
      return render(c, session)
    },
    form,
    formAction: (render, change, access) =>
      form(async (c, session) => {
        const fields = (await c.req.parseBody({ all: true })) as FormFields
        let view: Parameters<typeof render>[2]
        try {
          view = await change(fields, c, session)
        } catch (error) {
          if (!MimaError.isInstance(error)) throw error
          view = { error: error.message, status: error.status ?? 400 } as Parameters<typeof render>[2]
        }
        return render(c, session, view)
      }, access),
  }
}

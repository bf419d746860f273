/**
 * Management pages: API keys, webhooks and gates (admins only), and the guard's unattested-call
 * reports (every role). Each form goes through the same functions as the API, with its rules.
 */

import { evaluateGate, evaluateGates, parseGatePolicyInput } from '@mima/grc'
import type { Hono } from 'hono'
import { listGateChecks, recordGateCheck } from '../grc/gate-check-history'
import { deleteGate, listGates, readReadiness, setGate } from '../grc/grc-store'
import { unattestedCallSites } from '../guard-events/call-site-report'
import { type AppEnv, ROLES, type Role } from '../http/context'
import { httpError } from '../http/errors'
import { WEBHOOK_EVENTS } from '../webhooks/webhook-events'
import { type WebhookAdmin, webhookAdminOf } from '../webhooks/webhooks-feature'
import { insertApiKey, listApiKeys, revokeApiKey } from '../workspaces/workspace-store'
import { ADMIN_ONLY, type DashboardContext, type DashboardKit, type FormView } from './dashboard-kit'
import { type GateRow, GatesPage, GuardReportsPage, KeysPage, WebhooksPage } from './manage-pages'
import type { DashboardSession } from './session-store'

function formText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** `/dashboard/manage/{keys,webhooks,gates,guard}`. */
export function registerManagePages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { server } = kit
  const { database, ledger } = server

  // API keys.
  const renderKeys = async (
    c: DashboardContext,
    session: DashboardSession,
    view: FormView & { created?: string } = {},
  ) =>
    kit.html(
      c,
      <KeysPage
        session={session}
        keys={await listApiKeys(database, session.principal.workspaceId)}
        created={view.created}
        error={view.error}
        notice={view.notice}
      />,
      view.status ?? 200,
    )
  api.get(
    '/dashboard/manage/keys',
    kit.page((c, session) => renderKeys(c, session), ADMIN_ONLY),
  )
  api.post(
    '/dashboard/manage/keys',
    kit.formAction(
      renderKeys,
      async (form, _c, session) => {
        const name = formText(form.name)
        if (name === undefined || name.length > 100) {
          throw httpError('validation_failed', 'name must be 1 to 100 characters.', { field: 'name' })
        }
        const role = form.role
        if (typeof role !== 'string' || !ROLES.includes(role as Role)) {
          throw httpError('validation_failed', `role must be one of ${ROLES.join(', ')}.`, {
            field: 'role',
          })
        }
        const { principal } = session
        const key = await database.transaction(async (transaction) => {
          const inserted = await insertApiKey(transaction, ledger, {
            workspaceId: principal.workspaceId,
            name,
            role: role as Role,
            createdBy: principal.keyId,
          })
          // Self-approval extends to a person's keys: a request made by this key cannot be
          // decided by the person who created it.
          if (principal.userId !== undefined) {
            await transaction.query(
              'update api_keys set created_by_user_id = $3 where workspace_id = $1 and key_id = $2',
              [principal.workspaceId, inserted.id, principal.userId],
            )
          }
          return inserted
        })
        return { notice: `The ${key.role} key "${key.name}" was created.`, status: 201, created: key.key }
      },
      ADMIN_ONLY,
    ),
  )
  api.post(
    '/dashboard/manage/keys/:id/revoke',
    kit.formAction(
      renderKeys,
      async (_form, c, session) => {
        const keyId = c.req.param('id') ?? ''
        if (keyId === session.principal.keyId) {
          throw httpError(
            'conflict',
            'You are signed in with this key: revoke it from another admin session.',
          )
        }
        await revokeApiKey(database, ledger, {
          workspaceId: session.principal.workspaceId,
          keyId,
          revokedBy: session.principal.keyId,
        })
        server.principals.clear()
        return { notice: 'The key was revoked: it no longer authenticates.' }
      },
      ADMIN_ONLY,
    ),
  )

  // Webhooks.
  const webhooks = (): WebhookAdmin => {
    const admin = webhookAdminOf(server)
    if (admin === undefined)
      throw httpError('not_found', 'The webhooks feature is not mounted on this server.')
    return admin
  }
  const renderWebhooks = async (
    c: DashboardContext,
    session: DashboardSession,
    view: FormView & { secret?: string | undefined } = {},
  ) => {
    const { workspaceId } = session.principal
    const list = await webhooks().list(workspaceId)
    const selected = c.req.query('deliveries')
    const webhook = list.find((entry) => entry.id === selected)
    const deliveries =
      webhook === undefined
        ? undefined
        : { webhook, rows: await webhooks().deliveries(workspaceId, webhook.id, 50) }
    return kit.html(
      c,
      <WebhooksPage
        session={session}
        webhooks={list}
        events={WEBHOOK_EVENTS}
        secret={view.secret}
        deliveries={deliveries}
        error={view.error}
        notice={view.notice}
      />,
      view.status ?? 200,
    )
  }
  api.get(
    '/dashboard/manage/webhooks',
    kit.page((c, session) => renderWebhooks(c, session), ADMIN_ONLY),
  )
  api.post(
    '/dashboard/manage/webhooks',
    kit.formAction(
      renderWebhooks,
      async (form, _c, session) => {
        const events = form.events === undefined ? undefined : [form.events].flat().map(String)
        const created = await webhooks().create(session.principal, {
          url: typeof form.url === 'string' ? form.url : '',
          ...(events === undefined ? {} : { events }),
          ...(formText(form.secret) === undefined ? {} : { secret: form.secret }),
        })
        return { notice: `Webhook added: ${created.url}`, status: 201, secret: created.secret }
      },
      ADMIN_ONLY,
    ),
  )
  api.post(
    '/dashboard/manage/webhooks/:id/test',
    kit.formAction(
      renderWebhooks,
      async (_form, c, session) => {
        const result = await webhooks().test(session.principal, c.req.param('id') ?? '')
        return result.delivered
          ? { notice: `The test event was delivered (HTTP ${result.status}).` }
          : {
              error: `The test event was not delivered: ${result.error ?? `HTTP ${result.status}`}${
                result.next_attempt_at === undefined ? '' : `; next attempt at ${result.next_attempt_at}`
              }.`,
            }
      },
      ADMIN_ONLY,
    ),
  )
  api.post(
    '/dashboard/manage/webhooks/:id/delete',
    kit.formAction(
      renderWebhooks,
      async (_form, c, session) => {
        await webhooks().remove(session.principal, c.req.param('id') ?? '')
        return { notice: 'The webhook was deleted.' }
      },
      ADMIN_ONLY,
    ),
  )

  // Gates.
  const renderGates = async (c: DashboardContext, session: DashboardSession, view: FormView = {}) => {
    const { workspaceId } = session.principal
    const policies = await listGates(database, workspaceId)
    const readiness = new Map<string, ReturnType<typeof readReadiness>>()
    const readinessOf = (scope: string) => {
      let report = readiness.get(scope)
      if (report === undefined) {
        report = readReadiness(database, {
          workspaceId,
          ...(scope === 'workspace' ? {} : { systemName: scope }),
        })
        readiness.set(scope, report)
      }
      return report
    }
    const gates: GateRow[] = await Promise.all(
      policies.map(async (policy) => {
        const result = evaluateGate(policy, await readinessOf(policy.scope))
        return { ...policy, current_pct: result.current_pct, status: result.status }
      }),
    )
    const history = await listGateChecks(database, workspaceId, 50)
    return kit.html(
      c,
      <GatesPage session={session} gates={gates} history={history} error={view.error} notice={view.notice} />,
      view.status ?? 200,
    )
  }
  api.get(
    '/dashboard/manage/gates',
    kit.page((c, session) => renderGates(c, session), ADMIN_ONLY),
  )
  api.post(
    '/dashboard/manage/gates',
    kit.formAction(
      renderGates,
      async (form, _c, session) => {
        // An empty field means the default (80); anything else must be a whole number.
        const raw = typeof form.threshold_pct === 'string' ? form.threshold_pct.trim() : ''
        const threshold = raw === '' ? undefined : /^-?\d{1,4}$/.test(raw) ? Number(raw) : raw
        const gate = parseGatePolicyInput({
          framework: form.framework,
          mode: form.mode,
          scope: formText(form.scope) ?? 'workspace',
          threshold_pct: threshold,
        })
        await setGate(database, ledger, {
          workspaceId: session.principal.workspaceId,
          gate,
          createdBy: session.principal.keyName,
        })
        return {
          notice: `The ${gate.framework} gate (${gate.scope}) is now ${gate.mode} at ${gate.threshold_pct}%.`,
        }
      },
      ADMIN_ONLY,
    ),
  )
  api.post(
    '/dashboard/manage/gates/:id/delete',
    kit.formAction(
      renderGates,
      async (_form, c, session) => {
        const gateId = c.req.param('id') ?? ''
        const deleted = await deleteGate(database, ledger, {
          workspaceId: session.principal.workspaceId,
          gateId,
          deletedBy: session.principal.keyName,
        })
        if (!deleted) throw httpError('not_found', `No gate "${gateId}" in this workspace.`)
        return { notice: 'The gate was removed.' }
      },
      ADMIN_ONLY,
    ),
  )
  api.post(
    '/dashboard/manage/gates/check',
    kit.formAction(
      renderGates,
      async (_form, _c, session) => {
        const { workspaceId } = session.principal
        const [policies, readiness] = await Promise.all([
          listGates(database, workspaceId),
          readReadiness(database, { workspaceId }),
        ])
        const check = evaluateGates({ policies, readiness })
        await recordGateCheck(database, workspaceId, check)
        return check.passed
          ? { notice: 'The gates pass.' }
          : { error: `The gates fail: ${check.failing_required} required gate(s) below threshold.` }
      },
      ADMIN_ONLY,
    ),
  )

  // The guard's reports: every signed-in role reads them.
  api.get(
    '/dashboard/manage/guard',
    kit.page(async (c, session) => {
      const days = 7
      const sites = await unattestedCallSites(
        database,
        session.principal.workspaceId,
        new Date(Date.now() - days * 24 * 60 * 60 * 1000),
      )
      return kit.html(c, <GuardReportsPage session={session} days={days} sites={sites} />)
    }),
  )
}

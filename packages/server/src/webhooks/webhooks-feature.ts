import { randomBytes, randomUUID } from 'node:crypto'
import { hashValue } from '@mima/core'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import type { ServerEvent } from '../events/event-bus'
import { type Principal, readJsonObject, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery } from '../http/query'
import { DEFAULT_WEBHOOK_EVENTS, LEDGER_EVENTS, WEBHOOK_EVENTS } from './webhook-events'
import { loadSecretBox, type SecretBox } from './webhook-secret-box'
import { type AttemptResult, type WebhookDeliverySettings, WebhookService } from './webhook-service'
import {
  countWebhooks,
  type DeliveryView,
  deleteWebhook,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  matchWebhookIds,
  type WebhookView,
} from './webhook-store'
import { type HostResolver, validateWebhookUrl, WebhookUrlError } from './webhook-url'
import { WEBHOOKS_MIGRATIONS } from './webhooks-migrations'

const BASE = '/workspaces/:ws/governance/webhooks'
const MAX_WEBHOOKS_PER_WORKSPACE = 50
const MAX_SECRET_LENGTH = 512

/** Options for {@link createWebhooksFeature}. */
export interface WebhooksFeatureOptions {
  /**
   * Allow webhook URLs on loopback, link-local and private addresses. Default: the environment
   * variable `MIMA_WEBHOOKS_ALLOW_PRIVATE=true`, else false.
   */
  allowPrivate?: boolean
  /** Budget of one delivery attempt in milliseconds (default 10 000). */
  timeoutMs?: number
  /** Waits before each retry (default 1 s, 5 s, 30 s, 2 min, 10 min: six attempts in all). */
  retryDelaysMs?: readonly number[]
  /** How often due retries and orphaned deliveries are picked up (default 15 000 ms). */
  sweepIntervalMs?: number
  /** How often new ledger leaves are read for `evidence.created`/`attestation.created` (default 1 000 ms). */
  ledgerPollIntervalMs?: number
  /** Finished deliveries are kept this many days in the delivery log (default 30). */
  deliveryRetentionDays?: number
  /** Host name resolver used when a URL is registered (tests). */
  resolve?: HostResolver
}

const services = new WeakMap<object, WebhookService>()

/**
 * Webhook management with the API's rules (URL checks, limits, generated secrets, ledger leaves),
 * shared by the API routes and the dashboard's webhooks page. The caller checks the role (admin).
 */
export interface WebhookAdmin {
  list(workspaceId: string): Promise<WebhookView[]>
  /** Adds a webhook; a generated secret is in the answer this once (`secret_generated: true`). */
  create(
    principal: Principal,
    body: Record<string, unknown>,
  ): Promise<WebhookView & { secret?: string; secret_generated?: boolean }>
  /** Deletes a webhook (id or unique prefix); returns its id. */
  remove(principal: Principal, idOrPrefix: string): Promise<string>
  /** Sends a signed `webhook.test` event now and reports the attempt. */
  test(principal: Principal, idOrPrefix: string): Promise<AttemptResult>
  /** The newest deliveries (with their attempts and next retry). */
  deliveries(workspaceId: string, idOrPrefix: string, limit: number): Promise<DeliveryView[]>
}

const admins = new WeakMap<object, WebhookAdmin>()

/** The webhook management operations of a running app's server context (the dashboard uses them). */
export function webhookAdminOf(server: object): WebhookAdmin | undefined {
  return admins.get(server)
}

/** The webhook delivery service of a running app's server context (tests, other features). */
export function webhookServiceOf(server: object): WebhookService | undefined {
  return services.get(server)
}

function envAllowsPrivate(): boolean {
  return /^(1|true|yes)$/i.test(process.env.MIMA_WEBHOOKS_ALLOW_PRIVATE?.trim() ?? '')
}

function parseEvents(value: unknown): string[] {
  if (value === undefined || value === null) return [...DEFAULT_WEBHOOK_EVENTS]
  if (!Array.isArray(value) || value.length === 0 || value.some((event) => typeof event !== 'string')) {
    throw httpError(
      'validation_failed',
      `events must be a non-empty array of: ${WEBHOOK_EVENTS.join(', ')}.`,
      {
        field: 'events',
      },
    )
  }
  const unknown = (value as string[]).filter((event) => !WEBHOOK_EVENTS.includes(event))
  if (unknown.length > 0) {
    throw httpError(
      'validation_failed',
      `Unknown webhook event(s): ${unknown.slice(0, 5).join(', ')}. Valid events: ${WEBHOOK_EVENTS.join(', ')}.`,
      { field: 'events', unknown: unknown.slice(0, 20) },
    )
  }
  return WEBHOOK_EVENTS.filter((event) => (value as string[]).includes(event))
}

function parseSecret(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string' || value.length > MAX_SECRET_LENGTH || value.trim() === '') {
    throw httpError(
      'validation_failed',
      `secret must be a non-empty string of at most ${MAX_SECRET_LENGTH} characters.`,
      {
        field: 'secret',
      },
    )
  }
  return value
}

/**
 * Builds the webhooks feature: admin-only management (`GET/POST …/governance/webhooks`,
 * `DELETE …/webhooks/{id}`, `POST …/webhooks/{id}/test`, `GET …/webhooks/{id}/deliveries`) and
 * signed delivery of the approvals bus events. See the package README for the signature scheme.
 *
 * @example
 * ```ts
 * const features = FEATURES.map((feature) =>
 *   feature.name === 'webhooks' ? createWebhooksFeature({ allowPrivate: true, retryDelaysMs: [100] }) : feature,
 * )
 * await startServer({ features })
 * ```
 */
export function createWebhooksFeature(options: WebhooksFeatureOptions = {}): ServerFeature {
  return defineFeature({
    name: 'webhooks',
    migrations: WEBHOOKS_MIGRATIONS,
    register(api, server) {
      const { database } = server
      const settings: WebhookDeliverySettings = {
        allowPrivate: options.allowPrivate ?? envAllowsPrivate(),
        timeoutMs: options.timeoutMs ?? 10_000,
        retryDelaysMs: options.retryDelaysMs ?? [1_000, 5_000, 30_000, 120_000, 600_000],
        sweepIntervalMs: options.sweepIntervalMs ?? 15_000,
        ledgerPollIntervalMs: options.ledgerPollIntervalMs ?? 1_000,
        deliveryRetentionDays: options.deliveryRetentionDays ?? 30,
      }
      let secretBox: Promise<SecretBox> | undefined
      const secrets = (): Promise<SecretBox> => {
        if (secretBox === undefined) {
          secretBox = loadSecretBox(database)
          secretBox.catch(() => {
            secretBox = undefined
          })
        }
        return secretBox
      }
      const service = new WebhookService({ database, logger: server.logger, settings, secrets })
      services.set(server, service)
      const bus = approvalsServiceOf(server)?.events
      if (bus === undefined) {
        server.logger.warn('webhooks: no approvals event bus (mount the webhooks feature after approvals)')
      }
      // Ledger events come from the ledger feed (durable, in ledger order), not from the bus.
      const fromBus = (event: ServerEvent): boolean =>
        WEBHOOK_EVENTS.includes(event.type) && !(event.type in LEDGER_EVENTS)
      // Events raised in a transaction (approvals) get their deliveries written in it; the bus
      // listener then sends them at once, and the sweep does if this process dies first.
      const removeSink = bus?.addTransactionalSink((transaction, event) =>
        fromBus(event) ? service.enqueueInTransaction(transaction, event) : undefined,
      )
      const unsubscribe = bus?.subscribe((event) => {
        if (fromBus(event)) service.handle(event)
      })
      server.onClose(async () => {
        removeSink?.()
        unsubscribe?.()
        await service.close()
      })

      const resolveId = async (workspaceId: string, raw: string): Promise<string> => {
        const ids = await matchWebhookIds(database, workspaceId, raw)
        if (ids.length === 0) throw httpError('not_found', `No webhook "${raw}" in this workspace.`)
        if (ids.length > 1) {
          throw httpError('conflict', `"${raw}" matches several webhooks; use the full id.`, { matches: ids })
        }
        return ids[0] as string
      }

      const admin: WebhookAdmin = {
        list: (workspaceId) => listWebhooks(database, workspaceId),
        async create(principal, body) {
          if (typeof body.url !== 'string' || body.url.trim() === '') {
            throw httpError('validation_failed', 'url is required: the http(s) address to POST events to.', {
              field: 'url',
            })
          }
          const events = parseEvents(body.events)
          const given = parseSecret(body.secret)
          let url: URL
          try {
            url = await validateWebhookUrl(body.url.trim(), {
              allowPrivate: settings.allowPrivate,
              ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
            })
          } catch (error) {
            if (error instanceof WebhookUrlError)
              throw httpError('validation_failed', error.message, { field: 'url' })
            throw error
          }
          if ((await countWebhooks(database, principal.workspaceId)) >= MAX_WEBHOOKS_PER_WORKSPACE) {
            throw httpError(
              'conflict',
              `This workspace already has ${MAX_WEBHOOKS_PER_WORKSPACE} webhooks; delete one first.`,
            )
          }
          // Every delivery is signed: without a secret from the caller, the server makes one and
          // returns it this once.
          const secret = given ?? `whsec_${randomBytes(32).toString('base64url')}`
          const sealed = (await secrets()).seal(secret)
          // Where workspace data is sent is part of the audit trail: a `webhook_event` ledger leaf.
          const webhook = await database.transaction(async (transaction) => {
            const appender = await server.ledger.lock(transaction, principal.workspaceId)
            const createdAt = new Date()
            const stored = await insertWebhook(transaction, {
              workspaceId: principal.workspaceId,
              webhookId: randomUUID(),
              url: url.toString(),
              events,
              secretSealed: sealed,
              createdBy: principal.keyName,
              createdAt,
              followLedger: events.some((event) => event in LEDGER_EVENTS),
            })
            const change = {
              action: 'webhook_created',
              webhook_id: stored.id,
              url: stored.url,
              events,
              by: principal.keyName,
            }
            await appender.append([
              {
                kind: 'webhook_event',
                recordId: randomUUID(),
                recordHash: hashValue(change),
                acceptedAt: createdAt.toISOString(),
              },
            ])
            return stored
          })
          return given === undefined ? { ...webhook, secret, secret_generated: true } : webhook
        },
        async remove(principal, raw) {
          const id = await resolveId(principal.workspaceId, raw)
          const deleted = await database.transaction(async (transaction) => {
            const appender = await server.ledger.lock(transaction, principal.workspaceId)
            if (!(await deleteWebhook(transaction, principal.workspaceId, id))) return false
            const change = { action: 'webhook_deleted', webhook_id: id, by: principal.keyName }
            await appender.append([
              {
                kind: 'webhook_event',
                recordId: randomUUID(),
                recordHash: hashValue(change),
                acceptedAt: new Date().toISOString(),
              },
            ])
            return true
          })
          if (!deleted) throw httpError('not_found', `No webhook "${id}" in this workspace.`)
          return id
        },
        async test(principal, raw) {
          const id = await resolveId(principal.workspaceId, raw)
          return service.sendTest(principal.workspaceId, id, principal.keyName)
        },
        async deliveries(workspaceId, raw, limit) {
          return listDeliveries(database, workspaceId, await resolveId(workspaceId, raw), limit)
        },
      }
      admins.set(server, admin)

      api.get(BASE, async (c) => {
        const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
        return c.json({ webhooks: await admin.list(workspaceId), events: WEBHOOK_EVENTS })
      })

      api.post(BASE, async (c) => {
        const principal = requireWorkspace(c, { roles: ['admin'] })
        return c.json(await admin.create(principal, await readJsonObject(c)), 201)
      })

      api.delete(`${BASE}/:id`, async (c) => {
        const principal = requireWorkspace(c, { roles: ['admin'] })
        const id = await admin.remove(principal, c.req.param('id') ?? '')
        return c.json({ deleted: true, id })
      })

      api.post(`${BASE}/:id/test`, async (c) => {
        const principal = requireWorkspace(c, { roles: ['admin'] })
        return c.json(await admin.test(principal, c.req.param('id') ?? ''))
      })

      api.get(`${BASE}/:id/deliveries`, async (c) => {
        const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
        const limit = integerQuery(c, 'limit', { max: 500 }) ?? 50
        return c.json({ deliveries: await admin.deliveries(workspaceId, c.req.param('id') ?? '', limit) })
      })
    },
  })
}

/** Signed webhooks with the default settings (`MIMA_WEBHOOKS_ALLOW_PRIVATE` read at start). */
export const webhooksFeature: ServerFeature = createWebhooksFeature()

/**
 * Central policies: versioned policies per workspace (upload, list, show, versions), the server
 * precheck for callers not written in TypeScript (`POST …/policy/precheck` and `/postcheck`),
 * decision records reported by clients, agent scopes and the tool registry. A `deny` raises the
 * `policy.check.failed` webhook event.
 */
import { canonicalJson, MimaError, sha256Hex } from '@mima/core'
import {
  buildDecisionRecord,
  compilePolicy,
  type DecisionRecord,
  type Direction,
  type PolicyDocument,
  PolicyValidationError,
  parsePolicy,
  validatePolicy,
} from '@mima/policy'
import type { Context, Hono } from 'hono'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { createServerEvent, type ServerEvent } from '../events/event-bus'
import {
  type AppEnv,
  type Principal,
  readJsonObject,
  requirePrincipal,
  requireWorkspace,
  type ServerContext,
} from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery, stringQuery } from '../http/query'
import { assertStorableJson, decisionRecordFrom, optionalText, policyName } from './policy-input'
import { POLICY_MIGRATIONS } from './policy-migrations'
import { registerPolicyRegistryRoutes } from './policy-registry-routes'
import {
  commitmentKey,
  insertDecisions,
  insertPolicyVersion,
  listDecisions,
  listPolicies,
  listPolicyVersions,
  readPolicyVersion,
} from './policy-store'
import { createServerPrecheck, type ServerPrecheck } from './server-precheck'

const WS = '/workspaces/:ws'
const MAX_SOURCE_BYTES = 256 * 1024
const MAX_REPORTED = 1000

/** The ledger leaf kind of a stored policy version. */
export const POLICY_VERSION_LEAF = 'policy_version'
/** The ledger leaf kind of a decision record. */
export const POLICY_DECISION_LEAF = 'policy_decision'

/** The event a `deny` raises (webhooks subscribe to it by default). */
export const POLICY_CHECK_FAILED = 'policy.check.failed'

function refused(error: PolicyValidationError): MimaError {
  return new MimaError('policy_invalid', error.message, { status: 422, details: error.details ?? {} })
}

/** The policy document of an upload: `source` (YAML or JSON text) or `policy` (an object). */
function uploadedPolicy(body: Record<string, unknown>): { document: PolicyDocument; source: string } {
  try {
    if (typeof body.source === 'string') {
      if (body.source.length > MAX_SOURCE_BYTES) {
        throw httpError('payload_too_large', `source must be at most ${MAX_SOURCE_BYTES} bytes.`, {
          field: 'source',
        })
      }
      assertStorableJson(body.source, 'source')
      const document = parsePolicy(body.source, { file: optionalText(body, 'file', 500) ?? 'policy.yaml' })
      assertStorableJson(document, 'source')
      return { document, source: body.source }
    }
    if (typeof body.policy === 'object' && body.policy !== null) {
      assertStorableJson(body.policy, 'policy')
      const document = validatePolicy(body.policy)
      return { document, source: `${JSON.stringify(document, null, 2)}\n` }
    }
  } catch (error) {
    if (error instanceof PolicyValidationError) throw refused(error)
    throw error
  }
  throw httpError('validation_failed', 'Send the policy as source (YAML text) or policy (a JSON object).', {
    field: 'source',
  })
}

function denialEvent(workspaceId: string, record: DecisionRecord, source: 'server' | 'client'): ServerEvent {
  return createServerEvent(POLICY_CHECK_FAILED, workspaceId, {
    workspace_id: workspaceId,
    decision_id: record.decision_id,
    policy_id: record.policy_id,
    policy_version: record.policy_version,
    rule_id: record.rule_id,
    direction: record.direction,
    reasons: record.reasons.slice(0, 20),
    detector_kinds: record.detector_kinds.slice(0, 20),
    source,
    ...(record.tool === undefined ? {} : { tool: record.tool }),
    ...(record.agent === undefined ? {} : { agent: record.agent }),
    ...(record.correlation_id === undefined ? {} : { correlation_id: record.correlation_id }),
  })
}

/**
 * Stores decisions and, for each new `deny`, raises `policy.check.failed` inside the same
 * transaction (webhook deliveries commit with the record) and publishes it after the commit.
 * A record already stored (same id, a client retry) raises nothing again.
 */
async function recordDecisions(
  server: ServerContext,
  workspaceId: string,
  source: 'server' | 'client',
  records: readonly DecisionRecord[],
): Promise<number> {
  const bus = approvalsServiceOf(server)?.events
  const { inserted, events } = await server.database.transaction(async (transaction) => {
    const fresh = await insertDecisions(transaction, workspaceId, source, records)
    if (fresh.length > 0) {
      // Each decision record is a ledger leaf (it holds no text, only the commitment).
      const appender = await server.ledger.lock(transaction, workspaceId)
      const acceptedAt = new Date().toISOString()
      await appender.append(
        fresh.map((record) => ({
          kind: POLICY_DECISION_LEAF,
          recordId: record.decision_id,
          recordHash: sha256Hex(canonicalJson(record)),
          acceptedAt,
        })),
      )
    }
    const raised: ServerEvent[] = []
    for (const record of fresh) {
      if (record.decision !== 'deny' || bus === undefined) continue
      const event = denialEvent(workspaceId, record, source)
      await bus.notifyInTransaction(transaction, event)
      raised.push(event)
    }
    return { inserted: fresh.length, events: raised }
  })
  for (const event of events) bus?.publish(event)
  return inserted
}

function direction(c: Context<AppEnv>): Direction {
  return c.req.path.endsWith('/postcheck') ? 'egress' : 'ingress'
}

async function runPrecheck(
  c: Context<AppEnv>,
  server: ServerContext,
  precheck: ServerPrecheck,
  principal: Principal,
): Promise<Response> {
  const body = await readJsonObject(c)
  assertStorableJson(body, 'body')
  const name =
    body.policy === undefined || body.policy === null ? 'default' : policyName(String(body.policy), 'policy')
  const stored = await readPolicyVersion(server.database, principal.workspaceId, name)
  if (stored === undefined && body.policy !== undefined && body.policy !== null) {
    throw httpError(
      'not_found',
      `No policy named "${name}" in this workspace; upload it with mima policy upload.`,
    )
  }
  const text =
    optionalText(body, 'raw_text', MAX_SOURCE_BYTES * 4) ?? optionalText(body, 'text', MAX_SOURCE_BYTES * 4)
  const tags = body.tags
  if (
    tags !== undefined &&
    tags !== null &&
    (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string'))
  ) {
    throw httpError('validation_failed', 'tags must be a list of strings.', { field: 'tags' })
  }
  const input = {
    ...(optionalText(body, 'tool', 500) === undefined
      ? {}
      : { tool: optionalText(body, 'tool', 500) as string }),
    ...(optionalText(body, 'scope', 500) === undefined
      ? {}
      : { scope: optionalText(body, 'scope', 500) as string }),
    ...(optionalText(body, 'agent', 500) === undefined
      ? {}
      : { agent: optionalText(body, 'agent', 500) as string }),
    ...(text === undefined ? {} : { text }),
    ...(body.payload === undefined || body.payload === null ? {} : { payload: body.payload }),
    ...(typeof body.user_id === 'string' ? { userId: body.user_id.slice(0, 500) } : {}),
    ...(typeof body.corr_id === 'string' ? { correlationId: body.corr_id.slice(0, 500) } : {}),
    ...(Array.isArray(tags) ? { tags: tags as string[] } : {}),
  }
  const key = await commitmentKey(server.database, principal.workspaceId)
  const result = precheck.evaluate(principal.workspaceId, stored, input, direction(c), key)
  const record = buildDecisionRecord(input, result, { commitmentKey: key })
  let confirmation: Record<string, unknown> | null = null
  if (result.decision === 'confirm') {
    const approvals = approvalsServiceOf(server)
    if (approvals !== undefined) {
      const approval = await approvals.create(principal, {
        action_type: input.tool ?? `policy.${direction(c)}`,
        context: {
          policy_id: record.policy_id,
          policy_version: record.policy_version,
          rule_id: record.rule_id,
          reasons: record.reasons,
          detector_kinds: record.detector_kinds,
          ...(result.redacted === undefined ? {} : { redacted_text: result.redacted.slice(0, 4000) }),
          ...(input.correlationId === undefined ? {} : { correlation_id: input.correlationId }),
        },
        description: `Policy ${record.policy_id} asks for confirmation: ${record.reasons.join(', ')}`,
      })
      const origin = new URL(c.req.url).origin
      confirmation = {
        approval_id: approval.approval_id,
        url: `${origin}/dashboard/approvals#approval-${approval.approval_id}`,
        status_url: `${origin}/api/workspaces/${principal.workspaceId}/governance/approvals/${approval.approval_id}`,
      }
    }
  }
  await recordDecisions(server, principal.workspaceId, 'server', [record])
  return c.json({
    decision: result.decision,
    reasons: result.reasons,
    redacted: result.redacted ?? null,
    raw_text_out: result.redacted ?? text ?? null,
    redacted_payload: result.redactedPayload ?? null,
    policy_id: result.metadata.policyId,
    policy_version: result.metadata.policyVersion,
    rule_id: result.metadata.ruleId,
    direction: result.metadata.direction,
    detector_kinds: result.metadata.detectorKinds,
    findings: result.metadata.findings,
    decision_id: record.decision_id,
    text_commitment: record.text_commitment ?? null,
    requires_confirmation: result.decision === 'confirm',
    confirmation,
    confirmation_url: (confirmation?.url as string | undefined) ?? null,
    ts: record.decided_at,
  })
}

function registerPolicyRoutes(api: Hono<AppEnv>, server: ServerContext): void {
  const { database } = server
  const precheck = createServerPrecheck()

  api.post(`${WS}/policies/:name/versions`, async (c) => {
    const principal = requireWorkspace(c, { roles: ['admin'] })
    const name = policyName(c.req.param('name'))
    const body = await readJsonObject(c)
    const { document, source } = uploadedPolicy(body)
    if (document.name !== undefined && document.name !== name) {
      throw httpError(
        'validation_failed',
        `The policy names itself "${document.name}" but is uploaded as "${name}".`,
        {
          field: 'name',
        },
      )
    }
    compilePolicy({ ...document, name })
    const contentHash = sha256Hex(canonicalJson({ ...document, name, version: undefined }))
    const { row, created } = await insertPolicyVersion(
      database,
      {
        workspaceId: principal.workspaceId,
        name,
        document,
        source,
        contentHash,
        createdBy: principal.keyName,
      },
      // Each version is a ledger leaf: which policy was in force, and since when, is provable.
      async (transaction, stored) => {
        const appender = await server.ledger.lock(transaction, principal.workspaceId)
        await appender.append([
          {
            kind: POLICY_VERSION_LEAF,
            recordId: `policy:${stored.name}@${stored.version}`,
            recordHash: sha256Hex(
              canonicalJson({
                name: stored.name,
                version: stored.version,
                source: stored.source,
                document: stored.document,
              }),
            ),
            acceptedAt: new Date(stored.created_at).toISOString(),
          },
        ])
      },
    )
    const { document: _document, source: _source, ...summary } = row
    return c.json({ ...summary, created }, created ? 201 : 200)
  })

  api.get(`${WS}/policies`, async (c) => {
    const principal = requireWorkspace(c)
    return c.json({ policies: await listPolicies(database, principal.workspaceId) })
  })

  api.get(`${WS}/policies/:name`, async (c) => {
    const principal = requireWorkspace(c)
    const name = policyName(c.req.param('name'))
    const version = integerQuery(c, 'version', { max: 2_147_483_647 })
    const row = await readPolicyVersion(database, principal.workspaceId, name, version)
    if (row === undefined) {
      throw httpError(
        'not_found',
        `No policy "${name}"${version === undefined ? '' : ` version ${version}`} here.`,
      )
    }
    const etag = `"${row.content_hash.slice(0, 32)}-${row.version}"`
    c.header('etag', etag)
    c.header('cache-control', 'no-cache')
    if (c.req.header('if-none-match') === etag) return c.body(null, 304)
    return c.json(row)
  })

  api.get(`${WS}/policies/:name/versions`, async (c) => {
    const principal = requireWorkspace(c)
    const name = policyName(c.req.param('name'))
    const versions = await listPolicyVersions(database, principal.workspaceId, name)
    if (versions.length === 0) throw httpError('not_found', `No policy "${name}" here.`)
    return c.json({ name, versions })
  })

  api.post(`${WS}/policy/precheck`, (c) => runPrecheck(c, server, precheck, requireWorkspace(c)))
  api.post(`${WS}/policy/postcheck`, (c) => runPrecheck(c, server, precheck, requireWorkspace(c)))
  // GovernsAI's paths (`/api/v1/precheck`, `/api/v1/postcheck`): the key's workspace.
  api.post('/v1/precheck', (c) => runPrecheck(c, server, precheck, requirePrincipal(c)))
  api.post('/v1/postcheck', (c) => runPrecheck(c, server, precheck, requirePrincipal(c)))

  api.post(`${WS}/policy/decisions`, async (c) => {
    const principal = requireWorkspace(c)
    const body = await readJsonObject(c)
    const list = body.decisions
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_REPORTED) {
      throw httpError(
        'validation_failed',
        `decisions must be a list of 1–${MAX_REPORTED} decision records.`,
        {
          field: 'decisions',
        },
      )
    }
    const records = list.map((item, index) => decisionRecordFrom(item, index))
    const inserted = await recordDecisions(server, principal.workspaceId, 'client', records)
    return c.json({ accepted: records.length, inserted }, 201)
  })

  api.get(`${WS}/policy/decisions`, async (c) => {
    const principal = requireWorkspace(c)
    const policy = stringQuery(c, 'policy')
    const limit = integerQuery(c, 'limit', { max: 500 }) ?? 50
    const decisions = await listDecisions(database, principal.workspaceId, {
      ...(policy === undefined ? {} : { policyName: policyName(policy, 'policy') }),
      limit: Math.max(1, limit),
    })
    return c.json({ decisions })
  })

  registerPolicyRegistryRoutes(api, server)
}

/**
 * The central-policy feature: versioned policies per workspace, server precheck/postcheck,
 * decision records, agent scopes and the tool registry.
 */
export const policyFeature: ServerFeature = defineFeature({
  name: 'policy',
  migrations: POLICY_MIGRATIONS,
  register: registerPolicyRoutes,
})

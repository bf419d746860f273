import {
  controlAliases,
  deriveControls,
  evaluateGate,
  evaluateGates,
  FRAMEWORK_CATALOGS,
  FRAMEWORK_SLUGS,
  type FrameworkSlug,
  GATE_RULE,
  type GateCheck,
  MAPPING_RULES,
  parseGatePolicyInput,
  RECORD_TYPES,
  type ReadinessReport,
  recordTypesForControl,
  resolveControl,
  WORKSPACE_SCOPE,
} from '@mima/grc'
import type { Context } from 'hono'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { createServerEvent } from '../events/event-bus'
import { countUnattestedCalls } from '../guard-events/guard-event-store'
import { type AppEnv, readJsonObject, requireWorkspace, type ServerContext } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { stringQuery } from '../http/query'
import type { Database } from '../storage/database'
import { recordGateCheck } from './gate-check-history'
import { createGateFailedThrottle, type GateFailedThrottle } from './gate-failed-throttle'
import { GRC_MIGRATIONS } from './grc-migrations'
import {
  deleteGate,
  listGates,
  listSystems,
  readCoverage,
  readReadiness,
  setGate,
  validateFramework,
} from './grc-store'

const BASE = '/workspaces/:ws/governance/grc'

/** The id scheme, as `GET …/grc/frameworks` documents it. */
const ID_SCHEME =
  '<framework slug>:<the control reference as the standard writes it>, e.g. eu_ai_act:art_14, iso_42001:6.1.2, ' +
  'iso_42001:A.9.2, iso_27001:A.5.18, soc2_type2:CC7.3, nist_airf:MEASURE-2.11. The Python project ids ' +
  '(EUAIA_ART14, ISO27001_A.9.2, SOC2_CC6_1, NISTAI_GOV1.1, …) resolve as aliases: GET …/grc/controls/{id}.'

function optionalBodyString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw httpError(
      'validation_failed',
      `${field} must be a non-empty string of at most ${max} characters.`,
      { field },
    )
  }
  return value.trim()
}

function frameworkParam(c: Context<AppEnv>): FrameworkSlug {
  const framework = c.req.param('framework') ?? ''
  if (!(FRAMEWORK_SLUGS as readonly string[]).includes(framework)) {
    throw httpError('not_found', `Unknown framework "${framework}"; one of ${FRAMEWORK_SLUGS.join(', ')}.`, {
      allowed: FRAMEWORK_SLUGS,
    })
  }
  return framework as FrameworkSlug
}

/** Readiness per scope (`workspace` or a system name), each read once per request. */
function readinessCache(
  database: Database,
  workspaceId: string,
): (scope: string) => Promise<ReadinessReport> {
  const cache = new Map<string, Promise<ReadinessReport>>()
  return (scope) => {
    let report = cache.get(scope)
    if (report === undefined) {
      report = readReadiness(database, {
        workspaceId,
        ...(scope === WORKSPACE_SCOPE ? {} : { systemName: scope }),
      })
      cache.set(scope, report)
    }
    return report
  }
}

/**
 * Raises `gate.failed` on the server's event bus (webhooks subscribe to it) when a gate check has
 * failing required gates: one event with the workspace, the system checked and the failing gates
 * with their scores. A gate already reported in the last minute with the same score is left out;
 * when every failing gate is, no event is raised. Published in-process only, so one replica
 * delivers it once.
 */
function publishGateFailed(
  server: ServerContext,
  throttle: GateFailedThrottle,
  workspaceId: string,
  check: GateCheck,
): void {
  if (check.passed) return
  const bus = approvalsServiceOf(server)?.events
  if (bus === undefined) return
  const failing = check.results.filter((result) => result.mode === 'required' && result.status === 'failing')
  const due = throttle.take(workspaceId, check.system_name, failing)
  if (due.length === 0) return
  bus.publish(
    createServerEvent('gate.failed', workspaceId, {
      workspace_id: workspaceId,
      system_name: check.system_name,
      failing_required: check.failing_required,
      gates: due.map((gate) => ({
        gate_id: gate.policy_id,
        framework: gate.framework,
        scope: gate.scope,
        mode: gate.mode,
        threshold_pct: gate.threshold_pct,
        current_pct: gate.current_pct,
      })),
    }),
  )
}

/**
 * The GRC endpoints: readiness, the framework catalog (and admin validation), gates, the posture
 * brief, systems, control lookup and derive-controls. Evidence pushes and the evidence summary live in
 * the evidence feature; both use `@mima/grc` for validation and mapping.
 */
export const grcFeature: ServerFeature = defineFeature({
  name: 'grc',
  migrations: GRC_MIGRATIONS,
  register(api, server) {
    const gateFailedThrottle = createGateFailedThrottle()
    api.get(`${BASE}/readiness`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const systemName = stringQuery(c, 'system_name')
      const report = await readReadiness(server.database, { workspaceId, systemName })
      return c.json({ ...report, system_name: systemName ?? null, generated_at: new Date().toISOString() })
    })

    api.get(`${BASE}/frameworks`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const coverage = new Map<string, boolean>()
      for (const entry of await readCoverage(server.database, { workspaceId })) {
        const control = resolveControl(entry.controlId)
        if (control) coverage.set(control.id, (coverage.get(control.id) ?? false) || entry.attested)
      }
      return c.json({
        id_scheme: ID_SCHEME,
        frameworks: FRAMEWORK_CATALOGS.map((catalog) => ({
          framework: catalog.framework,
          label: catalog.label,
          edition: catalog.edition,
          controls_required: catalog.controls.filter((control) => control.required).length,
          controls: catalog.controls.map((control) => ({
            control_id: control.id,
            ref: control.ref,
            title: control.title,
            description: control.description,
            required: control.required,
            evidence_record_types: recordTypesForControl(control.id),
            conditions: RECORD_TYPES.flatMap((recordType) =>
              MAPPING_RULES[recordType]
                .filter((rule) => rule.controls.includes(control.id))
                .map((rule) => ({ record_type: recordType, condition: rule.when?.description ?? null })),
            ),
            aliases: controlAliases(control.id),
            covered: coverage.has(control.id),
            attested: coverage.get(control.id) === true,
            ...(control.note === undefined ? {} : { note: control.note }),
          })),
        })),
      })
    })

    api.post(`${BASE}/frameworks/:framework/validate`, async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      const framework = frameworkParam(c)
      const body = await readJsonObject(c).catch(() => ({}) as Record<string, unknown>)
      const validatedBy = optionalBodyString(body, 'validated_by', 200) ?? principal.keyName
      const note = optionalBodyString(body, 'note', 2000)
      return c.json(
        await validateFramework(server.database, server.ledger, {
          workspaceId: principal.workspaceId,
          framework,
          validatedBy,
          note,
        }),
      )
    })

    api.get(`${BASE}/controls/:id`, (c) => {
      requireWorkspace(c)
      const id = c.req.param('id')
      const control = resolveControl(id)
      if (control === undefined)
        throw httpError('not_found', `No control "${id}" (nor an alias of one) in the catalog.`)
      return c.json({
        control_id: control.id,
        framework: control.framework,
        ref: control.ref,
        title: control.title,
        description: control.description,
        required: control.required,
        evidence_record_types: recordTypesForControl(control.id),
        aliases: controlAliases(control.id),
        resolved_from: id,
      })
    })

    api.get(`${BASE}/gates`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const policies = await listGates(server.database, workspaceId)
      const readiness = readinessCache(server.database, workspaceId)
      const described = await Promise.all(
        policies.map(async (policy) => {
          const result = evaluateGate(policy, await readiness(policy.scope))
          return { ...policy, current_pct: result.current_pct, status: result.status }
        }),
      )
      return c.json({
        policies: described,
        unconfigured_frameworks: FRAMEWORK_SLUGS.filter(
          (framework) =>
            !policies.some((policy) => policy.framework === framework && policy.scope === WORKSPACE_SCOPE),
        ),
        rule: GATE_RULE,
      })
    })

    api.put(`${BASE}/gates`, async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      const gate = parseGatePolicyInput(await readJsonObject(c))
      const stored = await setGate(server.database, server.ledger, {
        workspaceId: principal.workspaceId,
        gate,
        createdBy: principal.keyName,
      })
      const readiness = await readinessCache(server.database, principal.workspaceId)(stored.scope)
      const result = evaluateGate(stored, readiness)
      return c.json({ ...stored, current_pct: result.current_pct, status: result.status })
    })

    api.delete(`${BASE}/gates/:id`, async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      const gateId = c.req.param('id')
      const deleted = await deleteGate(server.database, server.ledger, {
        workspaceId: principal.workspaceId,
        gateId,
        deletedBy: principal.keyName,
      })
      if (!deleted) throw httpError('not_found', `No gate "${gateId}" in this workspace.`)
      return c.json({ deleted: true, id: gateId })
    })

    api.get(`${BASE}/gates/check`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const systemName = stringQuery(c, 'system_name')
      const [policies, readiness] = await Promise.all([
        listGates(server.database, workspaceId),
        readReadiness(server.database, { workspaceId, systemName }),
      ])
      const check = evaluateGates({ policies, readiness, systemName })
      // The console's gates page shows this history (pass/fail over time).
      await recordGateCheck(server.database, workspaceId, check)
      publishGateFailed(server, gateFailedThrottle, workspaceId, check)
      return c.json(check)
    })

    api.get(`${BASE}/posture-brief`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const [readiness, policies, unattested] = await Promise.all([
        readReadiness(server.database, { workspaceId }),
        listGates(server.database, workspaceId),
        countUnattestedCalls(server.database, workspaceId),
      ])
      const check = evaluateGates({ policies, readiness })
      const failing = check.results.filter((result) => result.status === 'failing')
      return c.json({
        overall_pct: readiness.overall_pct,
        overall_rule: readiness.overall_rule,
        weakest_framework: readiness.weakest_framework,
        frameworks: readiness.frameworks.map((framework) => ({
          framework: framework.framework,
          label: framework.label,
          score_pct: framework.score_pct,
          attested_pct: framework.attested_pct,
          validated: framework.validated,
        })),
        failing_gates: failing
          .filter((result) => result.mode === 'required')
          .map((result) => result.framework),
        failing_advisory_gates: failing
          .filter((result) => result.mode === 'advisory')
          .map((result) => result.framework),
        unattested_24h: unattested,
        generated_at: new Date().toISOString(),
      })
    })

    api.get(`${BASE}/systems`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({ systems: await listSystems(server.database, workspaceId) })
    })

    api.post(`${BASE}/derive-controls`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const body = await readJsonObject(c)
      const description = body.action_description
      if (typeof description !== 'string' || description.trim() === '' || description.length > 10_000) {
        throw httpError(
          'validation_failed',
          'action_description must be a non-empty string of at most 10000 characters.',
          {
            field: 'action_description',
          },
        )
      }
      const systemName = optionalBodyString(body, 'system_name', 256)
      const givenTier = optionalBodyString(body, 'ai_risk_tier', 32)
      let riskTier = givenTier
      let annex: string | undefined
      let tierSource: 'given' | 'system' | undefined = givenTier === undefined ? undefined : 'given'
      if (systemName !== undefined) {
        const system = (await listSystems(server.database, workspaceId)).find(
          (entry) => entry.system_name === systemName,
        )
        annex = system?.annex_iii_category ?? undefined
        if (riskTier === undefined && system?.risk_tier) {
          riskTier = system.risk_tier
          tierSource = 'system'
        }
      }
      const coverage = await readCoverage(server.database, { workspaceId, systemName })
      return c.json({
        ...deriveControls({
          actionDescription: description,
          riskTier,
          riskTierSource: tierSource,
          annexIiiCategory: annex,
          coveredControls: coverage.map((entry) => entry.controlId),
        }),
        system_name: systemName ?? null,
      })
    })
  },
})

import { createScopeRegistry } from '@mima/policy'
import type { Hono } from 'hono'
import { type AppEnv, readJsonObject, requireWorkspace, type ServerContext } from '../http/context'
import { httpError } from '../http/errors'
import { booleanQuery, stringQuery } from '../http/query'
import { assertStorableJson, isPrintable, isStorableText, optionalNames, optionalText } from './policy-input'
import { listAgentScopes, listTools, upsertAgentScope, upsertTool } from './policy-registry-store'

const WS = '/workspaces/:ws'
const RISK_LEVELS = ['low', 'medium', 'high', 'critical']

function nameParam(value: string | undefined, field: string): string {
  if (
    value === undefined ||
    value === '' ||
    value.length > 200 ||
    !isPrintable(value) ||
    !isStorableText(value)
  ) {
    throw httpError('validation_failed', `${field} must be 1–200 printable characters.`, { field })
  }
  return value
}

/**
 * Agent scopes and the tool registry on the server, so the dashboard shows what each agent may
 * call (codeatelier persists `ScopePolicy` the same way) and services share tool metadata
 * (GovernsAI's `Tool` table). Enforcement stays in the process (`createScopeRegistry`).
 */
export function registerPolicyRegistryRoutes(api: Hono<AppEnv>, server: ServerContext): void {
  const { database } = server

  api.put(`${WS}/policy/agents/:agent`, async (c) => {
    const principal = requireWorkspace(c, { roles: ['ingest', 'admin'] })
    const agent = nameParam(c.req.param('agent'), 'agent')
    const body = await readJsonObject(c)
    const scope = {
      agent,
      allowed_tools: optionalNames(body, 'allowed_tools') ?? [],
      allowed_apis: optionalNames(body, 'allowed_apis') ?? [],
      hidden_tools: optionalNames(body, 'hidden_tools') ?? [],
    }
    try {
      // The same validation as the client's registerAgent (URL patterns need a scheme, …).
      createScopeRegistry().registerAgent({
        agent,
        allowedTools: scope.allowed_tools,
        allowedApis: scope.allowed_apis,
        hiddenTools: scope.hidden_tools,
      })
    } catch (error) {
      throw httpError('validation_failed', (error as Error).message, { field: 'allowed_apis' })
    }
    const row = await upsertAgentScope(database, principal.workspaceId, {
      ...scope,
      updated_by: principal.keyName,
    })
    return c.json(row)
  })

  api.get(`${WS}/policy/agents`, async (c) => {
    const principal = requireWorkspace(c)
    return c.json({ agents: await listAgentScopes(database, principal.workspaceId) })
  })

  api.put(`${WS}/policy/tools/:tool`, async (c) => {
    const principal = requireWorkspace(c, { roles: ['ingest', 'admin'] })
    const name = nameParam(c.req.param('tool'), 'tool')
    const body = await readJsonObject(c)
    const riskLevel = optionalText(body, 'risk_level', 20)
    if (riskLevel !== undefined && !RISK_LEVELS.includes(riskLevel)) {
      throw httpError('validation_failed', `risk_level must be one of ${RISK_LEVELS.join(', ')}.`, {
        field: 'risk_level',
      })
    }
    const requiresApproval = body.requires_approval ?? false
    if (typeof requiresApproval !== 'boolean') {
      throw httpError('validation_failed', 'requires_approval must be true or false.', {
        field: 'requires_approval',
      })
    }
    const metadata = body.metadata ?? {}
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw httpError('validation_failed', 'metadata must be a JSON object.', { field: 'metadata' })
    }
    assertStorableJson(metadata, 'metadata')
    if (JSON.stringify(metadata).length > 16_384) {
      throw httpError('validation_failed', 'metadata must be at most 16 KB of JSON.', { field: 'metadata' })
    }
    const row = await upsertTool(database, principal.workspaceId, {
      name,
      description: optionalText(body, 'description', 2000) ?? null,
      category: optionalText(body, 'category', 200) ?? null,
      risk_level: riskLevel ?? null,
      requires_approval: requiresApproval,
      metadata: metadata as Record<string, unknown>,
      updated_by: principal.keyName,
    })
    return c.json(row)
  })

  api.get(`${WS}/policy/tools`, async (c) => {
    const principal = requireWorkspace(c)
    const riskLevel = stringQuery(c, 'risk_level')
    const requiresApproval = booleanQuery(c, 'requires_approval')
    const tools = await listTools(database, principal.workspaceId, {
      ...(riskLevel === undefined ? {} : { riskLevel }),
      ...(requiresApproval === undefined ? {} : { requiresApproval }),
    })
    return c.json({ tools })
  })
}

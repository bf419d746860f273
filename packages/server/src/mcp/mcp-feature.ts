import { readJsonObject, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { integerQuery, stringQuery } from '../http/query'
import { isObject } from '../http/validation'
import {
  listMcpCalls,
  listMcpDecisions,
  listMcpServers,
  MCP_MIGRATIONS,
  type ReportedTool,
  saveMcpServer,
} from './mcp-store'

const BASE = '/workspaces/:ws/mcp'
const WRITERS = ['ingest', 'admin'] as const
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const RISKS = new Set(['low', 'medium', 'high', 'critical'])
const MAX_TOOLS = 1000

function invalid(field: string, message: string): never {
  throw httpError('validation_failed', message, { field })
}

function nameParam(value: string | undefined, field: string): string {
  if (value === undefined || !NAME.test(value)) {
    invalid(field, `${field} must be 1–128 letters, digits, '_', '-' or '.'.`)
  }
  return value
}

function parseTools(value: unknown): ReportedTool[] {
  if (!Array.isArray(value)) invalid('tools', 'tools must be a list.')
  if (value.length > MAX_TOOLS) invalid('tools', `tools must have at most ${MAX_TOOLS} entries.`)
  const seen = new Set<string>()
  return value.map((raw, index) => {
    const at = `tools[${index}]`
    if (!isObject(raw)) invalid(at, `${at} must be an object.`)
    const { name, definition_sha256, risk, requires_approval, visible, flags } = raw
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      invalid(`${at}.name`, `${at}.name must be a string of 1–200 characters.`)
    }
    if (seen.has(name)) invalid(`${at}.name`, `${at}.name "${name}" is listed twice.`)
    seen.add(name)
    if (typeof definition_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(definition_sha256)) {
      invalid(`${at}.definition_sha256`, `${at}.definition_sha256 must be 64 lowercase hex digits.`)
    }
    if (risk !== null && risk !== undefined && !(typeof risk === 'string' && RISKS.has(risk))) {
      invalid(`${at}.risk`, `${at}.risk must be low, medium, high, critical or null.`)
    }
    if (typeof requires_approval !== 'boolean') {
      invalid(`${at}.requires_approval`, `${at}.requires_approval must be true or false.`)
    }
    if (typeof visible !== 'boolean') invalid(`${at}.visible`, `${at}.visible must be true or false.`)
    const flagList = flags ?? []
    if (
      !Array.isArray(flagList) ||
      flagList.length > 20 ||
      flagList.some((flag) => typeof flag !== 'string' || flag.length === 0 || flag.length > 200)
    ) {
      invalid(`${at}.flags`, `${at}.flags must be a list of at most 20 strings of 1–200 characters.`)
    }
    return {
      name,
      definition_sha256,
      risk: (risk ?? null) as ReportedTool['risk'],
      requires_approval,
      visible,
      flags: flagList as string[],
    }
  })
}

/**
 * MCP servers seen by governing proxies (`mima mcp proxy`): `PUT …/mcp/servers/{server}` (the
 * proxy's report of its tools after each `tools/list`), `GET …/mcp/servers`, `GET …/mcp/servers/{server}`
 * (with its recent calls and policy decisions), `GET …/mcp/calls` (the attestations named
 * `mcp.<server>.<tool>`) and `GET …/mcp/decisions` (the proxy's policy decisions, attested as
 * `policy.mcp.<server>`).
 */
export const mcpFeature: ServerFeature = defineFeature({
  name: 'mcp',
  migrations: MCP_MIGRATIONS,
  register(api, server) {
    api.put(`${BASE}/servers/:name`, async (c) => {
      const principal = requireWorkspace(c, { roles: [...WRITERS] })
      const serverName = nameParam(c.req.param('name'), 'server')
      const body = await readJsonObject(c)
      const agentName = body.agent_name
      if (typeof agentName !== 'string' || !NAME.test(agentName)) {
        invalid('agent_name', "agent_name must be 1–128 letters, digits, '_', '-' or '.'.")
      }
      const tools = parseTools(body.tools)
      const saved = await saveMcpServer(server.database, principal.workspaceId, {
        serverName,
        agentName,
        tools,
        reportedBy: principal.keyName,
      })
      return c.json(saved)
    })

    api.get(`${BASE}/servers`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({ servers: await listMcpServers(server.database, workspaceId) })
    })

    api.get(`${BASE}/servers/:name`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const serverName = nameParam(c.req.param('name'), 'server')
      const found = (await listMcpServers(server.database, workspaceId)).find(
        (row) => row.server_name === serverName,
      )
      const [calls, decisions] = await Promise.all([
        listMcpCalls(server.database, workspaceId, { serverName, limit: 50 }),
        listMcpDecisions(server.database, workspaceId, { serverName, limit: 50 }),
      ])
      if (found === undefined && calls.length === 0 && decisions.length === 0) {
        throw httpError('not_found', `No MCP server "${serverName}" in this workspace.`)
      }
      return c.json({ ...(found ?? { server_name: serverName, tools: [] }), calls, decisions })
    })

    api.get(`${BASE}/decisions`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const serverQuery = stringQuery(c, 'server')
      const serverName = serverQuery === undefined ? undefined : nameParam(serverQuery, 'server')
      const limit = integerQuery(c, 'limit', { max: 500 }) || 100
      return c.json({
        decisions: await listMcpDecisions(server.database, workspaceId, { serverName, limit }),
      })
    })

    api.get(`${BASE}/calls`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const serverQuery = stringQuery(c, 'server')
      const serverName = serverQuery === undefined ? undefined : nameParam(serverQuery, 'server')
      const limit = integerQuery(c, 'limit', { max: 500 }) || 100
      return c.json({ calls: await listMcpCalls(server.database, workspaceId, { serverName, limit }) })
    })
  },
})

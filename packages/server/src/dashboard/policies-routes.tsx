/** The policies list and one policy's page (versions and recent decisions). */
import type { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import { httpError } from '../http/errors'
import { listAgentScopes, listTools } from '../policy/policy-registry-store'
import { listDecisions, listPolicies, listPolicyVersions, readPolicyVersion } from '../policy/policy-store'
import { type DashboardKit, PAGE_SIZE } from './dashboard-kit'
import { PoliciesPage, PolicyPage } from './policies-page'

/** `/dashboard/policies` and `/dashboard/policies/:name`. */
export function registerPolicyPages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { database } = kit.server

  api.get(
    '/dashboard/policies',
    kit.page(async (c, session) => {
      const { workspaceId } = session.principal
      const [policies, agents, tools] = await Promise.all([
        listPolicies(database, workspaceId),
        listAgentScopes(database, workspaceId),
        listTools(database, workspaceId),
      ])
      return kit.html(c, <PoliciesPage session={session} policies={policies} agents={agents} tools={tools} />)
    }),
  )

  api.get(
    '/dashboard/policies/:name',
    kit.page(async (c, session) => {
      const { workspaceId } = session.principal
      const name = c.req.param('name') ?? ''
      const versionText = c.req.query('version')
      const version =
        versionText !== undefined && /^\d{1,9}$/.test(versionText) ? Number(versionText) : undefined
      const policy = await readPolicyVersion(database, workspaceId, name, version)
      if (policy === undefined) throw httpError('not_found', `No policy "${name}" in this workspace.`)
      const [versions, decisions] = await Promise.all([
        listPolicyVersions(database, workspaceId, name),
        listDecisions(database, workspaceId, { policyName: name, limit: PAGE_SIZE }),
      ])
      return kit.html(
        c,
        <PolicyPage session={session} policy={policy} versions={versions} decisions={decisions} />,
      )
    }),
  )
}

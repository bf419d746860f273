import type { Context } from 'hono'
import {
  type AppEnv,
  ROLES,
  type Role,
  readJsonObject,
  requirePrincipal,
  requireWorkspace,
} from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { insertApiKey, insertWorkspace, listApiKeys, revokeApiKey } from './workspace-store'

function requireName(body: Record<string, unknown>, fallback?: string): string {
  const name = body.name ?? fallback
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 200) {
    throw httpError('validation_failed', 'name must be a non-empty string of at most 200 characters.', {
      field: 'name',
    })
  }
  return name.trim()
}

function requireRole(value: unknown): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role)) {
    throw httpError('validation_failed', `role must be one of ${ROLES.join(', ')}.`, { field: 'role' })
  }
  return value as Role
}

/** `GET /me`, workspaces and API keys (admin). */
export const workspacesFeature: ServerFeature = defineFeature({
  name: 'workspaces',
  register(api, server) {
    const me = (c: Context<AppEnv>) => {
      const principal = requirePrincipal(c)
      return c.json({
        workspace_id: principal.workspaceId,
        key_id: principal.keyId,
        key_name: principal.keyName,
        role: principal.role,
      })
    }
    api.get('/me', me)

    api.post('/workspaces', async (c) => {
      const principal = requirePrincipal(c)
      if (principal.role !== 'admin' || !principal.isRootWorkspace) {
        throw httpError('forbidden', 'Only an admin key of the bootstrap workspace can create workspaces.')
      }
      const body = await readJsonObject(c)
      const name = requireName(body)
      const created = await server.database.transaction(async (transaction) => {
        const workspace = await insertWorkspace(transaction, server.ledger, { name })
        const key = await insertApiKey(transaction, server.ledger, {
          workspaceId: workspace.id,
          name: 'admin',
          role: 'admin',
          createdBy: principal.keyId,
        })
        return { workspace, key }
      })
      server.logger.info('workspace created', {
        workspace_id: created.workspace.id,
        request_id: c.get('requestId'),
      })
      return c.json(
        {
          id: created.workspace.id,
          workspace_id: created.workspace.id,
          name,
          created_at: created.workspace.created_at,
          admin_key: created.key,
        },
        201,
      )
    })

    api.post('/workspaces/:ws/keys', async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      const body = await readJsonObject(c)
      const name = requireName(body)
      const role = requireRole(body.role)
      const key = await server.database.transaction((transaction) =>
        insertApiKey(transaction, server.ledger, {
          workspaceId: principal.workspaceId,
          name,
          role,
          createdBy: principal.keyId,
        }),
      )
      return c.json(key, 201)
    })

    api.get('/workspaces/:ws/keys', async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      return c.json({ keys: await listApiKeys(server.database, principal.workspaceId) })
    })

    api.delete('/workspaces/:ws/keys/:id', async (c) => {
      const principal = requireWorkspace(c, { roles: ['admin'] })
      if (c.req.param('id') === principal.keyId) {
        // Revoking the key in use could lock the workspace out; another admin key must do it.
        throw httpError('conflict', 'A key cannot revoke itself; revoke it with another admin key.')
      }
      await revokeApiKey(server.database, server.ledger, {
        workspaceId: principal.workspaceId,
        keyId: c.req.param('id'),
        revokedBy: principal.keyId,
      })
      server.principals.clear()
      return c.json({ id: c.req.param('id'), revoked: true })
    })
  },
})

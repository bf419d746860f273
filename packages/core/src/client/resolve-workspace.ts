import { MimaError } from '../errors/mima-error'
import type { Transport } from '../transport/transport'
import { asMimaError } from './client-support'

/**
 * The client's workspace id: the configured one, or the key's own through `GET /api/me`, asked
 * once at a time and remembered once known.
 */
export function createWorkspaceResolver(
  transport: Pick<Transport, 'me'>,
  configured: string | undefined,
): () => Promise<string> {
  let workspace = configured
  let resolving: Promise<string> | undefined
  return function workspaceId(): Promise<string> {
    if (workspace !== undefined) return Promise.resolve(workspace)
    resolving ??= transport
      .me()
      .then((me) => {
        if (typeof me.workspace_id !== 'string' || me.workspace_id === '') {
          throw new MimaError('not_found', 'GET /api/me did not return a workspace_id.')
        }
        workspace = me.workspace_id
        return workspace
      })
      .catch((error: unknown) => {
        const cause = asMimaError(error, 'Workspace lookup')
        throw new MimaError(
          cause.code,
          `workspaceId is not set and could not be resolved through GET /api/me (${cause.message}) — pass createMima({ workspaceId }), set MIMA_WORKSPACE_ID, or run \`mima login\`.`,
          { cause, ...(cause.status === undefined ? {} : { status: cause.status }) },
        )
      })
      .finally(() => {
        resolving = undefined
      })
    return resolving
  }
}

import { MimaError } from '@mima/core'
import type { ApprovalsConnection } from './approvals-http'

/**
 * What the approvals client can be created from: a core client made by `createMima` (its base URL,
 * API key, workspace, system name and `fetch` are reused), or explicit connection options.
 */
export type ApprovalsSource = ApprovalsConnection | object

/** Reads the connection settings from a core client or from explicit options. */
export function resolveConnection(source: ApprovalsSource): ApprovalsConnection {
  const candidate = source as Partial<ApprovalsConnection>
  if (typeof candidate.apiKey === 'string' && typeof candidate.baseUrl === 'string') {
    return candidate as ApprovalsConnection
  }
  throw new MimaError(
    'config_invalid',
    'createApprovals needs a client made by createMima() or { baseUrl, apiKey } connection options.',
  )
}

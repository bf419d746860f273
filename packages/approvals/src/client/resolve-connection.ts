import { MimaError } from '@mima/core'
import type { ApprovalsConnection } from './approvals-http'

/**
 * What the approvals client can be created from: a core client made by `createMima` (its base URL,
 * API key, workspace, system and agent names and `fetch` are reused), or explicit connection options.
 */
export type ApprovalsSource =
  | ApprovalsConnection
  | { readonly systemName: string; readonly agentName?: string }

// What `createMima` attaches to its client (non-enumerable, shared by every copy of @mima/core).
const CONNECTION = Symbol.for('mima.connection')

interface CoreConnection {
  baseUrl: string
  apiKey: string
  fetch?: typeof globalThis.fetch
  workspaceId?: () => Promise<string>
  /** The client's default `authorisedBy` identity. */
  authorisedBy?: string
}

/** Reads the connection settings from a core client or from explicit options. */
export function resolveConnection(source: ApprovalsSource): ApprovalsConnection {
  if (typeof source !== 'object' || source === null) {
    throw new MimaError(
      'config_invalid',
      'createApprovals needs a client made by createMima() or { baseUrl, apiKey } connection options.',
    )
  }
  const core = (source as unknown as Record<symbol, CoreConnection | undefined>)[CONNECTION]
  if (core !== undefined) {
    const client = source as { systemName?: unknown; agentName?: unknown }
    return {
      baseUrl: core.baseUrl,
      apiKey: core.apiKey,
      ...(core.fetch === undefined ? {} : { fetch: core.fetch }),
      ...(core.workspaceId === undefined ? {} : { resolveWorkspaceId: core.workspaceId }),
      ...(typeof core.authorisedBy === 'string' ? { requestedFor: core.authorisedBy } : {}),
      ...(typeof client.systemName === 'string' ? { systemName: client.systemName } : {}),
      ...(typeof client.agentName === 'string' ? { agentName: client.agentName } : {}),
    }
  }
  const candidate = source as Partial<ApprovalsConnection>
  if (typeof candidate.apiKey === 'string' && typeof candidate.baseUrl === 'string') {
    return candidate as ApprovalsConnection
  }
  throw new MimaError(
    'config_invalid',
    'createApprovals needs a client made by createMima() (from @mima/core ≥ 0.1) or { baseUrl, apiKey } connection options.',
  )
}

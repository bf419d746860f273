import { type ResolvedConfig, resolveConfig } from '../config/config'
import { type ApiClient, createApiClient } from '../http/api-client'
import { MissingCredentialsError } from './cli-error'
import type { CommandContext } from './command'

/** Resolved configuration plus an API client for it. */
export interface Session {
  readonly config: ResolvedConfig
  readonly api: ApiClient
  readonly workspaceId: string
  readonly apiKey: string
}

/**
 * Resolves credentials for a command that talks to the server. Without an API key or a
 * workspace it stops with exit 2 and says how to log in.
 */
export async function openSession(
  context: Pick<CommandContext, 'home' | 'env' | 'baseUrlFlag' | 'commandPath'>,
  options: { timeoutMs?: number } = {},
): Promise<Session> {
  const config = await resolveConfig({
    home: context.home,
    env: context.env,
    baseUrlFlag: context.baseUrlFlag,
  })
  const missing: string[] = []
  if (!config.apiKey) missing.push('API key')
  if (!config.workspaceId) missing.push('workspace id')
  if (missing.length > 0)
    throw new MissingCredentialsError(context.commandPath.replace(/^mima /, ''), missing)
  const api = createApiClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    workspaceId: config.workspaceId,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  })
  return { config, api, workspaceId: config.workspaceId!, apiKey: config.apiKey! }
}

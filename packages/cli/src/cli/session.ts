import { type ResolvedConfig, resolveConfig } from '../config/config'
import { type ApiClient, createApiClient } from '../http/api-client'
import { CliError, MissingCredentialsError } from './cli-error'
import type { CommandContext } from './command'
import { EXIT_CODES } from './exit-codes'

/** Resolved configuration plus an API client for it. */
export interface Session {
  readonly config: ResolvedConfig
  readonly api: ApiClient
  readonly workspaceId: string
  readonly apiKey: string
}

/**
 * Resolves credentials for a command that talks to the server. Without an API key it stops with
 * exit 2 and says how to log in; a key without a workspace id has it looked up for that key.
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
  if (!config.apiKey) {
    throw new MissingCredentialsError(context.commandPath.replace(/^mima /, ''), ['API key'])
  }
  // A key without its workspace (MIMA_API_KEY and MIMA_BASE_URL only, or --base-url to another
  // server) names its workspace itself: ask the server rather than borrow one from elsewhere.
  const workspaceId = config.workspaceId ?? (await lookUpWorkspace(config.baseUrl, config.apiKey))
  const api = createApiClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    workspaceId,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  })
  return { config: { ...config, workspaceId }, api, workspaceId, apiKey: config.apiKey }
}

async function lookUpWorkspace(baseUrl: string, apiKey: string): Promise<string> {
  const me = await createApiClient({ baseUrl, apiKey }).request<{ workspace_id?: unknown }>('GET', '/api/me')
  if (typeof me?.workspace_id !== 'string') {
    throw new CliError(
      'server_error',
      EXIT_CODES.unavailable,
      `${baseUrl}/api/me did not return a workspace_id`,
      {
        hint: 'Is this URL a Mima server? Set MIMA_WORKSPACE_ID, or run `mima login`.',
      },
    )
  }
  return me.workspace_id
}

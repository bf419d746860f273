import { CliError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { stringValue } from '../cli/parse-args'
import { prompt } from '../cli/prompt'
import {
  configPath,
  DEFAULT_BASE_URL,
  deleteConfig,
  normalizeBaseUrl,
  readConfig,
  resolveConfig,
  writeConfig,
} from '../config/config'
import { type ApiClient, ApiError, createApiClient } from '../http/api-client'
import type { Output } from '../output/output'

/** What `GET /api/me` answers (fields beyond `workspace_id` are optional). */
export interface MeResponse {
  workspace_id: string
  workspace_name?: string
  role?: string
  key_id?: string
  key_name?: string
  name?: string
}

/** Masks an API key for display: its first 8 and last 4 characters. */
export function maskKey(key: string): string {
  return key.length <= 14 ? `${key.slice(0, 4)}…` : `${key.slice(0, 8)}…${key.slice(-4)}`
}

async function fetchMe(baseUrl: string, apiKey: string): Promise<MeResponse> {
  const api = createApiClient({ baseUrl, apiKey })
  const me = await api.request<MeResponse>('GET', '/api/me')
  if (typeof me !== 'object' || me === null || typeof me.workspace_id !== 'string') {
    throw new CliError(
      'server_error',
      EXIT_CODES.unavailable,
      `${baseUrl}/api/me did not return a workspace_id`,
      {
        hint: 'Is this URL a Mima server?',
      },
    )
  }
  return me
}

async function runLogin(context: CommandContext): Promise<ExitCode> {
  const { output, env, values } = context
  const stored = await readConfig(context.home)
  const urlRaw =
    stringValue(values, 'url') ??
    context.baseUrlFlag ??
    env.MIMA_BASE_URL ??
    stored.base_url ??
    DEFAULT_BASE_URL
  const baseUrl = normalizeBaseUrl(urlRaw)
  let apiKey = stringValue(values, 'api-key') ?? (env.MIMA_API_KEY?.trim() || undefined)
  const interactive = (process.stdin as { isTTY?: boolean }).isTTY === true && !output.json
  if (!apiKey && interactive) apiKey = await prompt('API key: ', { secret: true })
  if (!apiKey) {
    throw new UsageError('mima login: no API key given', {
      hint: 'Pass --api-key KEY or set MIMA_API_KEY. `mima serve` prints an admin key on its first start.',
    })
  }
  const workspaceFlag = stringValue(values, 'workspace-id') ?? (env.MIMA_WORKSPACE_ID?.trim() || undefined)
  if (!output.json) output.info(`Verifying credentials with ${baseUrl} ...`)
  let me: MeResponse
  try {
    me = await fetchMe(baseUrl, apiKey)
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      throw new CliError(
        'unauthorized',
        EXIT_CODES.failed,
        `the server at ${baseUrl} does not accept this API key`,
        {
          status: error.status,
          hint: 'Check the key (it is shown once when created: `mima keys create`, or by `mima serve` on first start).',
        },
      )
    }
    throw error
  }
  if (workspaceFlag && workspaceFlag !== me.workspace_id) {
    throw new CliError(
      'forbidden',
      EXIT_CODES.failed,
      `this API key belongs to workspace ${me.workspace_id}, not ${workspaceFlag}`,
      { hint: 'Drop --workspace-id (the key names its workspace) or use a key of that workspace.' },
    )
  }
  const path = await writeConfig(context.home, {
    api_key: apiKey,
    workspace_id: me.workspace_id,
    base_url: baseUrl,
  })
  if (output.json) {
    output.printJson({
      base_url: baseUrl,
      workspace_id: me.workspace_id,
      role: me.role ?? null,
      config_path: path,
    })
    return EXIT_CODES.ok
  }
  const { colors } = output
  output.line(`${colors.green('✓')} Logged in`)
  output.line(`  Server     ${baseUrl}`)
  output.line(`  Workspace  ${me.workspace_id}${me.workspace_name ? ` (${me.workspace_name})` : ''}`)
  if (me.role) output.line(`  Role       ${me.role}`)
  output.line(`  Saved to   ${path} (mode 0600)`)
  await printPostureSummary(output, createApiClient({ baseUrl, apiKey, workspaceId: me.workspace_id }))
  return EXIT_CODES.ok
}

/** After login: the current readiness in a few lines (best effort; a server without GRC is fine). */
async function printPostureSummary(output: Output, api: ApiClient): Promise<void> {
  const { tryFetchReadiness } = await import('./readiness')
  const readiness = await tryFetchReadiness(api)
  if (!readiness) return
  const { frameworkLabel } = await import('../output/format')
  output.line('')
  output.line('Current readiness:')
  for (const framework of readiness.frameworks.filter((candidate) => candidate.controls_required > 0)) {
    output.line(
      `  ${frameworkLabel(framework.framework).padEnd(16)} ${String(framework.score_pct).padStart(3)}%`,
    )
  }
  output.line(
    `  ${'Overall'.padEnd(16)} ${String(readiness.overall_pct).padStart(3)}%   (mima status for details)`,
  )
}

/** `mima login`. */
export const loginCommand: CommandSpec = {
  name: 'login',
  summary: 'Check an API key against the server and save it to ~/.mima/config.json',
  usage: ['login [--url URL] [--api-key KEY] [--workspace-id ID]'],
  description:
    'Verifies the API key with the server (GET /api/me), then saves the server URL, the key and its\n' +
    'workspace to ~/.mima/config.json with mode 0600. Without --api-key the key comes from MIMA_API_KEY,\n' +
    'or is asked for on a terminal (not echoed). Every later command uses the same server URL.',
  options: {
    url: {
      type: 'string',
      valueName: 'URL',
      description: 'Server URL, with or without a trailing /api',
      defaultLabel: 'MIMA_BASE_URL, the saved URL, or http://127.0.0.1:8080',
    },
    'api-key': {
      type: 'string',
      valueName: 'KEY',
      description: 'API key (prefer MIMA_API_KEY: flags end up in shell history)',
    },
    'workspace-id': {
      type: 'string',
      valueName: 'ID',
      description: 'Expected workspace; refused if the key belongs to another (the key names its workspace)',
    },
  },
  json: true,
  examples: [
    'mima login --url http://127.0.0.1:8080 --api-key mima_...',
    'MIMA_API_KEY=mima_... mima login --url https://mima.example.com/api',
    'mima login            # asks for the key',
  ],
  run: runLogin,
}

/** `mima logout`. */
export const logoutCommand: CommandSpec = {
  name: 'logout',
  summary: 'Forget the saved credentials',
  usage: ['logout'],
  description: 'Deletes ~/.mima/config.json. Environment variables (MIMA_API_KEY, ...) are not touched.',
  json: true,
  examples: ['mima logout'],
  async run(context) {
    const removed = await deleteConfig(context.home)
    const path = configPath(context.home)
    const envStill = ['MIMA_API_KEY', 'MIMA_WORKSPACE_ID', 'MIMA_BASE_URL'].filter(
      (name) => context.env[name],
    )
    if (context.output.json) {
      context.output.printJson({ removed, config_path: path, env_still_set: envStill })
      return EXIT_CODES.ok
    }
    context.output.line(removed ? `Logged out: removed ${path}` : `Not logged in (no ${path})`)
    if (envStill.length > 0) {
      context.output.line(`Note: ${envStill.join(', ')} still set in this environment and still used.`)
    }
    return EXIT_CODES.ok
  },
}

async function runWhoami(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const config = await resolveConfig({
    home: context.home,
    env: context.env,
    baseUrlFlag: context.baseUrlFlag,
  })
  const local = {
    base_url: config.baseUrl,
    base_url_source: config.sources.baseUrl,
    workspace_id: config.workspaceId ?? null,
    workspace_id_source: config.sources.workspaceId,
    api_key: config.apiKey ? maskKey(config.apiKey) : null,
    api_key_source: config.sources.apiKey,
  }
  if (!config.apiKey) {
    if (!output.json) output.line(`Server     ${local.base_url}  (${local.base_url_source})`)
    throw new CliError('config_missing', EXIT_CODES.usage, 'mima whoami: no API key configured', {
      hint: 'Run `mima login`, or set MIMA_API_KEY.',
    })
  }
  const me = await fetchMe(config.baseUrl, config.apiKey)
  const mismatch = config.workspaceId !== undefined && config.workspaceId !== me.workspace_id
  if (output.json) {
    output.printJson({ ...local, logged_in: true, server: me, workspace_mismatch: mismatch })
  } else {
    output.line(`Server     ${local.base_url}  (${local.base_url_source})`)
    output.line(
      `Workspace  ${me.workspace_id}${me.workspace_name ? ` (${me.workspace_name})` : ''}  (${local.workspace_id_source})`,
    )
    output.line(`API key    ${local.api_key}  (${local.api_key_source})`)
    if (me.role) output.line(`Role       ${me.role}`)
    if (me.key_name || me.key_id)
      output.line(`Key name   ${me.key_name ?? ''}${me.key_id ? `  (${me.key_id})` : ''}`)
  }
  if (mismatch) {
    throw new CliError(
      'config_invalid',
      EXIT_CODES.failed,
      `the configured workspace ${config.workspaceId} is not the key's workspace ${me.workspace_id}`,
      { hint: 'Fix MIMA_WORKSPACE_ID, or run `mima login` again.' },
    )
  }
  return EXIT_CODES.ok
}

/** `mima whoami`. */
export const whoamiCommand: CommandSpec = {
  name: 'whoami',
  summary: 'Show the server, workspace and key role in use, and where each came from',
  usage: ['whoami'],
  description:
    'Shows which server, workspace and API key the CLI will use (and whether each came from a flag,\n' +
    'the environment or ~/.mima/config.json), then asks the server who the key belongs to.',
  json: true,
  examples: ['mima whoami', 'MIMA_BASE_URL=http://127.0.0.1:9000/api mima whoami --json'],
  run: runWhoami,
}

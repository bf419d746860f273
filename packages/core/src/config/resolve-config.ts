import { MimaError } from '../errors/mima-error'

/** The parts of the configuration that can come from the environment or `~/.mima/config.json`. */
export interface ConfigSources {
  /** Environment variables (default `process.env` where it exists). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Path of the CLI's config file (default `~/.mima/config.json` on Node); `false` skips it. */
  readonly configFile?: string | false | undefined
}

export interface ResolvedConnection {
  readonly apiKey: string
  readonly baseUrl: string
  readonly workspaceId: string | undefined
}

/** The Mima cloud; self-hosted servers pass `baseUrl` (with or without a trailing `/api`). */
export const DEFAULT_BASE_URL = 'https://api.mima.ai'

interface NodeFs {
  readFileSync(path: string, encoding: 'utf8'): string
}
interface NodeOs {
  homedir(): string
}

function builtin<T>(id: string): T | undefined {
  try {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    return process?.getBuiltinModule?.(id) as T | undefined
  } catch {
    return undefined
  }
}

function defaultEnv(): Readonly<Record<string, string | undefined>> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {}
}

/** Reads `~/.mima/config.json` (`api_key`, `workspace_id`, `base_url`); unreadable or invalid means `{}`. */
function readConfigFile(path: string | false | undefined): Record<string, unknown> {
  if (path === false) return {}
  const fs = builtin<NodeFs>('node:fs')
  if (!fs) return {}
  let file = path
  if (file === undefined) {
    const os = builtin<NodeOs>('node:os')
    if (!os) return {}
    file = `${os.homedir()}/.mima/config.json`
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** `https://host/api/` and `https://host` both become `https://host`: paths always start with `api/`. */
export function normaliseBaseUrl(url: string): string {
  let base = url.trim().replace(/\/+$/, '')
  if (base.endsWith('/api')) base = base.slice(0, -4)
  try {
    const parsed = new URL(base)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol')
  } catch {
    throw new MimaError(
      'config_invalid',
      `baseUrl must be an http(s) URL such as ${DEFAULT_BASE_URL}; got "${url}".`,
    )
  }
  return `${base}/`
}

/**
 * Options first, then `MIMA_API_KEY`/`MIMA_WORKSPACE_ID`/`MIMA_BASE_URL`, then the CLI's
 * `~/.mima/config.json` (Node only). A missing API key fails here with a clear message.
 */
export function resolveConnection(
  options: { apiKey?: string | undefined; workspaceId?: string | undefined; baseUrl?: string | undefined },
  sources: ConfigSources = {},
): ResolvedConnection {
  const env = sources.env ?? defaultEnv()
  let file: Record<string, unknown> | undefined
  const fromFile = (key: string): string | undefined => {
    file ??= readConfigFile(sources.configFile)
    return nonEmpty(file[key])
  }
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.MIMA_API_KEY) ?? fromFile('api_key')
  if (apiKey === undefined) {
    throw new MimaError(
      'config_missing',
      'Mima needs an API key: pass createMima({ apiKey }), set MIMA_API_KEY, or run `mima login` (writes ~/.mima/config.json).',
    )
  }
  const workspaceId =
    nonEmpty(options.workspaceId) ?? nonEmpty(env.MIMA_WORKSPACE_ID) ?? fromFile('workspace_id')
  const baseUrl = normaliseBaseUrl(
    nonEmpty(options.baseUrl) ?? nonEmpty(env.MIMA_BASE_URL) ?? fromFile('base_url') ?? DEFAULT_BASE_URL,
  )
  return { apiKey, baseUrl, workspaceId }
}

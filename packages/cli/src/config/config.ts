import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../cli/cli-error'

/** Where `mima serve` listens unless told otherwise, and where the CLI looks by default. */
export const DEFAULT_BASE_URL: string = 'http://127.0.0.1:8080'

/** The contents of `~/.mima/config.json` (the Python CLI's keys, so both CLIs share one file). */
export interface StoredConfig {
  api_key?: string
  workspace_id?: string
  base_url?: string
}

/** Credentials and server after applying flags, environment and the config file. */
export interface ResolvedConfig {
  apiKey: string | undefined
  workspaceId: string | undefined
  /** Normalised: no trailing slash, no trailing `/api`. */
  baseUrl: string
  /** Where each value came from, for `mima whoami`. */
  sources: { apiKey: ConfigSource; workspaceId: ConfigSource; baseUrl: ConfigSource }
}

/** Where a resolved value came from. */
export type ConfigSource = 'flag' | 'env' | 'config' | 'default' | 'none'

/** `~/.mima`. */
export function mimaDirectory(home: string): string {
  return join(home, '.mima')
}

/** `~/.mima/config.json`. */
export function configPath(home: string): string {
  return join(mimaDirectory(home), 'config.json')
}

/**
 * The one base-URL rule every command follows: an `http(s)` URL, with or without a trailing
 * `/api` and trailing slashes, always names the same server. The CLI then appends `/api/...`.
 *
 * @example
 * ```ts
 * normalizeBaseUrl('http://localhost:8080/api/') // 'http://localhost:8080'
 * ```
 */
export function normalizeBaseUrl(raw: string): string {
  const trimmed = raw.trim()
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new UsageError(`not a valid server URL: '${raw}'`, {
      hint: 'Use a full URL such as http://127.0.0.1:8080 (with or without a trailing /api).',
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the server URL must start with http:// or https://, got '${raw}'`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`the server URL must not contain a query or fragment: '${raw}'`)
  }
  let path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith('/api')) path = path.slice(0, -'/api'.length)
  return `${url.origin}${path}`
}

/**
 * Reads `~/.mima/config.json`. A missing file is an empty config; a file that is not a JSON
 * object is an error that says which file to fix (the Python CLI silently ignores it).
 */
export async function readConfig(home: string): Promise<StoredConfig> {
  const path = configPath(home)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError(`${path} is not valid JSON.`, {
      hint: 'Fix or delete the file, then run `mima login` again.',
    })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${path} must hold a JSON object.`, {
      hint: 'Fix or delete the file, then run `mima login` again.',
    })
  }
  const record = parsed as Record<string, unknown>
  const config: StoredConfig = {}
  if (typeof record.api_key === 'string' && record.api_key !== '') config.api_key = record.api_key
  if (typeof record.workspace_id === 'string' && record.workspace_id !== '') {
    config.workspace_id = record.workspace_id
  }
  if (typeof record.base_url === 'string' && record.base_url !== '') config.base_url = record.base_url
  return config
}

/**
 * Writes a file readable by the owner only. The file is created with mode 0600 before any
 * byte is written (no window with umask permissions) and renamed into place atomically.
 */
export async function writePrivateFile(path: string, contents: string): Promise<void> {
  const directory = join(path, '..')
  await mkdir(directory, { recursive: true, mode: 0o700 })
  // `mkdir` leaves an existing directory's mode alone: tighten one created looser (e.g. 0755).
  await chmod(directory, 0o700)
  const temporary = `${path}.${process.pid}.tmp`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(contents, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, path)
}

/** Saves `~/.mima/config.json` with mode 0600. */
export async function writeConfig(home: string, config: StoredConfig): Promise<string> {
  const path = configPath(home)
  await writePrivateFile(path, `${JSON.stringify(config, null, 2)}\n`)
  return path
}

/** Deletes `~/.mima/config.json`; whether there was one. */
export async function deleteConfig(home: string): Promise<boolean> {
  try {
    await rm(configPath(home))
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/**
 * Resolves credentials and the server for a command, whole from one place (decision 0030): the
 * environment when `MIMA_API_KEY` is set (with `MIMA_WORKSPACE_ID` and `MIMA_BASE_URL`, or the
 * Python CLI's `MIMA_API_URL`), otherwise `~/.mima/config.json`. A workspace id or URL is never
 * borrowed from the other place: a key from the environment with no `MIMA_WORKSPACE_ID` has its
 * workspace looked up (`GET /api/me`), not taken from a saved login to another server. The
 * environment setting a URL or workspace without a key next to a saved login is refused (exit 2).
 * `--base-url` overrides the URL; pointing the key at another server drops the saved workspace.
 */
export async function resolveConfig(options: {
  home: string
  env: NodeJS.ProcessEnv
  baseUrlFlag?: string | undefined
}): Promise<ResolvedConfig> {
  const stored = await readConfig(options.home)
  const envKey = nonEmpty(options.env.MIMA_API_KEY)
  const envWorkspace = nonEmpty(options.env.MIMA_WORKSPACE_ID)
  const envBaseName = nonEmpty(options.env.MIMA_BASE_URL) ? 'MIMA_BASE_URL' : 'MIMA_API_URL'
  const envBase = nonEmpty(options.env[envBaseName])
  const flagBase = nonEmpty(options.baseUrlFlag)

  let layer: { source: 'env' | 'config'; apiKey?: string; workspaceId?: string; baseUrl?: string }
  if (envKey !== undefined) {
    layer = {
      source: 'env',
      apiKey: envKey,
      ...(envWorkspace === undefined ? {} : { workspaceId: envWorkspace }),
      ...(envBase === undefined ? {} : { baseUrl: envBase }),
    }
  } else if (stored.api_key !== undefined) {
    const partial = [
      envBase === undefined ? '' : envBaseName,
      envWorkspace === undefined ? '' : 'MIMA_WORKSPACE_ID',
    ].filter((name) => name !== '')
    if (partial.length > 0) {
      throw new UsageError(
        `${partial.join(' and ')} ${partial.length > 1 ? 'are' : 'is'} set without MIMA_API_KEY, next to the login saved in ${configPath(options.home)}`,
        {
          hint: `A connection comes whole from one place: set MIMA_API_KEY too, or unset ${partial.join(' and ')} to use the saved login.`,
        },
      )
    }
    layer = {
      source: 'config',
      apiKey: stored.api_key,
      ...(stored.workspace_id === undefined ? {} : { workspaceId: stored.workspace_id }),
      ...(stored.base_url === undefined ? {} : { baseUrl: stored.base_url }),
    }
  } else {
    // No key anywhere: commands that need one stop with "not logged in"; show what is set.
    layer = {
      source: 'env',
      ...(envWorkspace === undefined ? {} : { workspaceId: envWorkspace }),
      ...(envBase === undefined ? {} : { baseUrl: envBase }),
    }
  }
  const layerBase = layer.baseUrl === undefined ? DEFAULT_BASE_URL : normalizeBaseUrl(layer.baseUrl)
  const baseUrl = flagBase === undefined ? layerBase : normalizeBaseUrl(flagBase)
  // The saved workspace belongs to the saved server: another server gets its own lookup.
  const workspaceId = baseUrl === layerBase ? layer.workspaceId : undefined
  return {
    apiKey: layer.apiKey,
    workspaceId,
    baseUrl,
    sources: {
      apiKey: layer.apiKey === undefined ? 'none' : layer.source,
      workspaceId: workspaceId === undefined ? 'none' : layer.source,
      baseUrl: flagBase !== undefined ? 'flag' : layer.baseUrl !== undefined ? layer.source : 'default',
    },
  }
}

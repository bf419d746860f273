import { MimaError } from '../errors/mima-error'

/** The parts of the configuration that can come from the environment or `~/.mima/config.json`. */
export interface ConfigSources {
  /** Environment variables (default `process.env` where it exists). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Path of the CLI's config file (default `~/.mima/config.json` on Node); `false` skips it. */
  readonly configFile?: string | false | undefined
}

/** A connection resolved whole from one layer (see {@link resolveConnection}). */
export interface ResolvedConnection {
  readonly apiKey: string
  readonly baseUrl: string
  readonly workspaceId: string | undefined
  /** The layer every field came from. */
  readonly source: ConnectionSource
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

/** Which layer a resolved connection came from. */
export type ConnectionSource = 'options' | 'env' | 'config-file'

interface ConnectionLayer {
  readonly source: ConnectionSource
  readonly apiKey: string | undefined
  readonly workspaceId: string | undefined
  readonly baseUrl: string | undefined
}

const LAYER_NAMES: Record<ConnectionSource, { apiKey: string; workspaceId: string; baseUrl: string }> = {
  options: { apiKey: 'apiKey', workspaceId: 'workspaceId', baseUrl: 'baseUrl' },
  env: { apiKey: 'MIMA_API_KEY', workspaceId: 'MIMA_WORKSPACE_ID', baseUrl: 'MIMA_BASE_URL' },
  'config-file': { apiKey: 'api_key', workspaceId: 'workspace_id', baseUrl: 'base_url' },
}

/**
 * Resolves the connection whole from one layer: the first of options, then the environment
 * (`MIMA_API_KEY`, `MIMA_WORKSPACE_ID`, `MIMA_BASE_URL`), then the CLI's `~/.mima/config.json`
 * (Node only) that holds an API key. That layer's base URL (or the default) and workspace id (or
 * none: the client asks `GET /api/me`) complete it; the environment and the config file are never
 * mixed (decision 0030). A `baseUrl` or `workspaceId` passed as an option is used as given; a
 * `baseUrl` naming another server than the key's layer drops that layer's workspace id. The
 * environment setting a URL or workspace without a key, next to a key in the config file, is
 * refused with a message naming the variables; a missing API key fails here with a clear message.
 */
export function resolveConnection(
  options: { apiKey?: string | undefined; workspaceId?: string | undefined; baseUrl?: string | undefined },
  sources: ConfigSources = {},
): ResolvedConnection {
  const env = sources.env ?? defaultEnv()
  const layers: Array<() => ConnectionLayer> = [
    () => ({
      source: 'options',
      apiKey: nonEmpty(options.apiKey),
      workspaceId: nonEmpty(options.workspaceId),
      baseUrl: nonEmpty(options.baseUrl),
    }),
    () => ({
      source: 'env',
      apiKey: nonEmpty(env.MIMA_API_KEY),
      workspaceId: nonEmpty(env.MIMA_WORKSPACE_ID),
      baseUrl: nonEmpty(env.MIMA_BASE_URL),
    }),
    () => {
      const file = readConfigFile(sources.configFile)
      return {
        source: 'config-file',
        apiKey: nonEmpty(file.api_key),
        workspaceId: nonEmpty(file.workspace_id),
        baseUrl: nonEmpty(file.base_url),
      }
    },
  ]
  // Options are code: a base URL or workspace given there is used as given (like the CLI's
  // --base-url), with the key of the first layer below that has one. A layer that sets only half a
  // connection from outside the code (MIMA_BASE_URL without MIMA_API_KEY) is refused instead.
  let explicit: ConnectionLayer | undefined
  const partial: ConnectionLayer[] = []
  for (const load of layers) {
    const layer = load()
    if (layer.apiKey === undefined) {
      if (layer.baseUrl === undefined && layer.workspaceId === undefined) continue
      if (layer.source === 'options') explicit = layer
      else partial.push(layer)
      continue
    }
    const [above] = partial
    if (above !== undefined) throw partialLayerError(above, layer.source)
    const layerBaseUrl = normaliseBaseUrl(layer.baseUrl ?? DEFAULT_BASE_URL)
    const baseUrl = explicit?.baseUrl === undefined ? layerBaseUrl : normaliseBaseUrl(explicit.baseUrl)
    // The layer's workspace belongs to the layer's server: another server gets its own lookup.
    const workspaceId = explicit?.workspaceId ?? (baseUrl === layerBaseUrl ? layer.workspaceId : undefined)
    return { apiKey: layer.apiKey, baseUrl, workspaceId, source: layer.source }
  }
  throw new MimaError(
    'config_missing',
    'Mima needs an API key: pass createMima({ apiKey }), set MIMA_API_KEY, or run `mima login` (writes ~/.mima/config.json).',
  )
}

function partialLayerError(layer: ConnectionLayer, keySource: ConnectionSource): MimaError {
  const names = LAYER_NAMES[layer.source]
  const set = [
    layer.baseUrl === undefined ? undefined : names.baseUrl,
    layer.workspaceId === undefined ? undefined : names.workspaceId,
  ].filter((name) => name !== undefined)
  const where = layer.source === 'options' ? 'createMima options' : 'the environment'
  const keyWhere = keySource === 'env' ? 'MIMA_API_KEY' : '~/.mima/config.json'
  return new MimaError(
    'config_invalid',
    `${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set in ${where} without ${names.apiKey}, ` +
      `while the API key would come from ${keyWhere}. A connection comes whole from one place: ` +
      `set ${names.apiKey} there too, or remove ${set.join(' and ')} to use ${keyWhere} as it is.`,
  )
}

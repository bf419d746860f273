import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MimaError, type ResolvedConnection, resolveConnection } from '@mima/core'
import { installNetworkGuard, syncNetworkExports, undiciDispatcher } from '../network/network-guard'
import {
  createHostMatcher,
  DEFAULT_PROVIDER_HOSTS,
  hostsFromEnvironment,
  type ProviderHost,
} from '../network/provider-hosts'
import { GUARDED, guardHelper, guardMethod } from '../patch/guarded-method'
import { resolveSdk } from '../patch/resolve-sdk'
import { DEFAULT_SPECIFIERS, SDK_TARGETS } from '../patch/sdk-targets'
import { defaultGuardLogPath, defaultGuardSocketPath, mimaHome } from '../report/guard-paths'
import { createGuardReporter } from '../report/guard-reporter'
import { createSiteSampling, DEFAULT_CALL_SITES_PER_SECOND } from '../report/site-sampling'
import type {
  GuardMode,
  GuardOptions,
  GuardProvider,
  GuardSdkModule,
  GuardWarnFrequency,
} from './guard-options'
import {
  type GuardCounts,
  type GuardState,
  guardState,
  installPatch,
  type PatchedSdk,
  removePatches,
} from './guard-state'
import { SELF_URL } from './self-location'

/** What {@link enableGuard} and {@link guardStatus} report. */
export interface GuardStatus {
  readonly enabled: boolean
  readonly mode: GuardMode
  readonly warn: GuardWarnFrequency
  /** Every SDK copy patched, CommonJS and ESM. */
  readonly patched: readonly PatchedSdk[]
  readonly counts: Readonly<GuardCounts>
  /** Resolves once every SDK copy is patched (immediately, unless `require(esm)` was unavailable). */
  readonly ready: Promise<void>
}

const MODES = ['warn', 'block', 'report'] as const
const WARN_FREQUENCIES = ['everyCall', 'oncePerSite'] as const
const SELF_FILE = fileURLToPath(SELF_URL)
// The guard's own files are never the caller of a request it judges.
const SELF_DIRECTORY = `${dirname(SELF_FILE)}/`

function validate(options: GuardOptions): void {
  if (options.mode !== undefined && !MODES.includes(options.mode)) {
    throw new MimaError(
      'validation_failed',
      `enableGuard: mode must be one of ${MODES.join(', ')} (got ${String(options.mode)})`,
    )
  }
  if (options.warn !== undefined && !WARN_FREQUENCIES.includes(options.warn)) {
    throw new MimaError(
      'validation_failed',
      `enableGuard: warn must be one of ${WARN_FREQUENCIES.join(', ')} (got ${String(options.warn)})`,
    )
  }
  for (const format of options.formats ?? []) {
    if (format !== 'commonjs' && format !== 'esm') {
      throw new MimaError(
        'validation_failed',
        `enableGuard: formats may hold 'commonjs' and 'esm' (got ${String(format)})`,
      )
    }
  }
  const sitesPerSecond = options.callSitesPerSecond
  if (
    sitesPerSecond !== undefined &&
    (typeof sitesPerSecond !== 'number' || Number.isNaN(sitesPerSecond) || sitesPerSecond <= 0)
  ) {
    throw new MimaError(
      'validation_failed',
      `enableGuard: callSitesPerSecond must be a positive number or Infinity (got ${String(sitesPerSecond)})`,
    )
  }
  for (const sdk of options.sdks ?? []) {
    if (
      !Object.hasOwn(SDK_TARGETS, sdk.provider) ||
      typeof sdk.specifier !== 'string' ||
      sdk.specifier === ''
    ) {
      throw new MimaError(
        'validation_failed',
        `enableGuard: each sdks entry needs provider 'openai' or 'anthropic' and a specifier`,
      )
    }
  }
}

function networkSettings(
  options: GuardOptions,
): { hosts: ProviderHost[]; http: boolean; undici: readonly string[] } | undefined {
  const network = options.network ?? true
  if (network === false || process.env.MIMA_GUARD_NETWORK === '0') return undefined
  const settings = network === true ? {} : network
  if (typeof settings !== 'object' || settings === null) {
    throw new MimaError(
      'validation_failed',
      'enableGuard: network must be true, false or { hosts, builtInHosts }',
    )
  }
  if (
    settings.undici !== undefined &&
    (!Array.isArray(settings.undici) ||
      settings.undici.some((name) => typeof name !== 'string' || name === ''))
  ) {
    throw new MimaError('validation_failed', 'enableGuard: network.undici must be a list of package names')
  }
  return {
    hosts: [
      ...(settings.builtInHosts === false ? [] : DEFAULT_PROVIDER_HOSTS),
      ...hostsFromEnvironment(process.env.MIMA_GUARD_HOSTS),
      ...(settings.hosts ?? []),
    ],
    http: settings.http ?? true,
    undici: settings.undici ?? ['undici'],
  }
}

/** The `dispatch`-holding prototype of each npm undici copy the app resolves (none when absent). */
function undiciDispatchers(
  specifiers: readonly string[],
  bases: readonly string[],
  requireModule: ((file: string) => unknown) | undefined,
): object[] {
  const found: object[] = []
  for (const specifier of specifiers) {
    for (const copy of resolveSdk(specifier, bases)) {
      try {
        const load = requireModule ?? createRequire(copy.commonjs)
        const dispatcher = undiciDispatcher(load(copy.commonjs))
        if (dispatcher !== undefined && !found.includes(dispatcher)) found.push(dispatcher)
      } catch {
        // a copy that does not load is not the app's HTTP client either
      }
    }
  }
  return found
}

/**
 * The Mima connection this process has, whole from one place (options are not involved here: the
 * environment, then `~/.mima/config.json`), or undefined when there is none or it is incomplete.
 */
function configuredConnection(): ResolvedConnection | undefined {
  try {
    return resolveConnection({}, { configFile: join(mimaHome(), 'config.json') })
  } catch {
    return undefined
  }
}

function patchExports(state: GuardState, provider: GuardProvider, exports: unknown): string[] {
  const { client, targets } = SDK_TARGETS[provider]
  const module = exports as Record<string, unknown> | undefined
  const root = (module?.[client] ?? module?.default) as Record<string, unknown> | undefined
  const methods: string[] = []
  if (typeof root !== 'function') return methods
  for (const target of targets) {
    let owner: unknown = root
    for (const key of target.path) owner = (owner as Record<string, unknown> | undefined)?.[key]
    const prototype = (owner as { prototype?: Record<string, unknown> } | undefined)?.prototype
    const name = target.method ?? 'create'
    const call = prototype?.[name] as (Function & { [GUARDED]?: unknown }) | undefined
    if (!prototype || typeof call !== 'function') continue
    if (call[GUARDED] === undefined)
      installPatch(state, prototype, name, guardMethod(state, provider, target, call))
    for (const helper of target.helpers) {
      const method = prototype[helper] as (Function & { [GUARDED]?: unknown }) | undefined
      if (typeof method === 'function' && method[GUARDED] === undefined) {
        installPatch(state, prototype, helper, guardHelper(state, method))
      }
    }
    methods.push(target.call)
  }
  return methods
}

function patchSdk(
  state: GuardState,
  sdk: GuardSdkModule,
  bases: readonly string[],
  formats: readonly ('commonjs' | 'esm')[],
  requireModule: ((file: string) => unknown) | undefined,
): void {
  for (const copy of resolveSdk(sdk.specifier, bases)) {
    if (!state.skipRoots.includes(`${copy.root}/`)) state.skipRoots.push(`${copy.root}/`)
    const load = requireModule ?? createRequire(copy.commonjs)
    const entries: Array<['commonjs' | 'esm', string]> = []
    if (formats.includes('commonjs')) entries.push(['commonjs', copy.commonjs])
    if (copy.esm !== undefined && formats.includes('esm')) entries.push(['esm', copy.esm])
    for (const [format, file] of entries) {
      if (state.patchedFiles.has(file)) continue
      state.patchedFiles.add(file)
      const done = (exports: unknown): void => {
        const methods = patchExports(state, sdk.provider, exports)
        if (methods.length > 0) {
          state.patched.push({
            provider: sdk.provider,
            specifier: sdk.specifier,
            version: copy.version,
            format,
            file,
            methods,
          })
        }
      }
      try {
        // Node ≥ 20.19 loads the ESM copy synchronously (require(esm)): the same module instance `import` gets.
        done(load(file))
      } catch (error) {
        if (format !== 'esm') continue
        const code = (error as { code?: string }).code
        if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') continue
        state.pending.push(
          import(pathToFileURL(file).href).then(done, () => {
            state.patchedFiles.delete(file)
          }),
        )
      }
    }
  }
}

function defaultBases(): string[] {
  const bases = [`${process.cwd()}/`]
  const main = process.argv[1]
  if (main) bases.push(main)
  bases.push(SELF_FILE)
  return bases
}

function status(state: GuardState): GuardStatus {
  const pending = state.pending
  return {
    enabled: state.enabled,
    mode: state.config.mode,
    warn: state.config.warn,
    patched: [...state.patched],
    counts: { ...state.counts },
    ready: Promise.all(pending).then(() => undefined),
  }
}

/**
 * Turns the guard on: patches OpenAI chat completions, responses, embeddings and completions and
 * Anthropic messages and beta messages (`create`, and the stream helpers that reach it) in the
 * CommonJS and the ESM copy of every installed SDK. Calls made outside `mima.attest(...)` then
 * warn, are blocked or are recorded, per `mode`. Idempotent: while the guard is on, another call
 * changes no option and only patches SDK modules not patched yet; call {@link disableGuard} first
 * to change modes. Missing SDKs are skipped.
 *
 * @example
 * ```ts
 * import { enableGuard } from '@mima/guard'
 *
 * enableGuard({ mode: process.env.NODE_ENV === 'test' ? 'block' : 'warn' })
 * ```
 */
export function enableGuard(options: GuardOptions = {}): GuardStatus {
  validate(options)
  const network = networkSettings(options)
  const matcher = network === undefined ? undefined : createHostMatcher(network.hosts)
  const state = guardState()
  if (!state.enabled) {
    const mode = options.mode ?? 'warn'
    const connection = configuredConnection()
    state.config = {
      mode,
      warn: options.warn ?? 'oncePerSite',
      record: options.record ?? true,
      traceAttested: options.traceAttested ?? false,
      workspaceId: options.workspaceId ?? connection?.workspaceId,
      onEvent: options.onEvent,
      cwd: `${process.cwd()}/`,
      sites: createSiteSampling(options.callSitesPerSecond ?? DEFAULT_CALL_SITES_PER_SECOND),
    }
    state.warnedSites.clear()
    state.reporter?.close()
    state.reporter = createGuardReporter({
      logPath: options.logPath ?? defaultGuardLogPath(),
      socketPath: options.socketPath ?? defaultGuardSocketPath(),
      ...(options.logMaxBytes === undefined ? {} : { logMaxBytes: options.logMaxBytes }),
      ...(options.logBackups === undefined ? {} : { logBackups: options.logBackups }),
      ...(connection === undefined || options.forward === false || options.record === false
        ? {}
        : {
            forward: {
              baseUrl: connection.baseUrl,
              apiKey: connection.apiKey,
              ...(connection.workspaceId === undefined ? {} : { workspaceId: connection.workspaceId }),
            },
          }),
    })
    state.counts = { attested: 0, unattested: 0, warned: 0, blocked: 0, recorded: 0 }
    state.network = undefined
    if (matcher !== undefined) {
      installNetworkGuard(
        state,
        {
          matcher,
          http: network?.http ?? true,
          undiciDispatchers: undiciDispatchers(
            network?.undici ?? [],
            options.resolveFrom ?? defaultBases(),
            options.requireModule,
          ),
        },
        (file) => file.includes('/node_modules/') || file.startsWith(SELF_DIRECTORY),
      )
    }
    state.enabled = true
  }
  const bases = options.resolveFrom ?? defaultBases()
  const sdks =
    options.sdks ??
    (Object.keys(DEFAULT_SPECIFIERS) as GuardProvider[]).map((provider) => ({
      provider,
      specifier: DEFAULT_SPECIFIERS[provider],
    }))
  const formats = options.formats ?? ['commonjs', 'esm']
  for (const sdk of sdks) patchSdk(state, sdk, bases, formats, options.requireModule)
  return status(state)
}

/**
 * Turns the guard off and restores the original SDK methods. Queued reports are still written.
 */
export async function disableGuard(): Promise<void> {
  const state = guardState()
  state.enabled = false
  state.network = undefined
  removePatches(state)
  syncNetworkExports()
  state.patched = []
  state.patchedFiles.clear()
  state.pending = []
  const reporter = state.reporter
  state.reporter = undefined
  if (reporter) {
    await reporter.flush()
    reporter.close()
  }
}

/** The guard's current state: mode, patched SDK copies and counts. */
export function guardStatus(): GuardStatus {
  return status(guardState())
}

/** Resolves once every queued report was handed to the daemon or written to the JSONL log. */
export async function flushGuardReports(): Promise<void> {
  await guardState().reporter?.flush()
}

import type { NetworkGuardConfig } from '../network/network-guard'
import type { GuardReporter } from '../report/guard-reporter'
import { createSiteSampling, DEFAULT_CALL_SITES_PER_SECOND, type SiteSampling } from '../report/site-sampling'
import type { GuardEvent, GuardMode, GuardSdkModule, GuardWarnFrequency } from './guard-options'

/** The options in force, with defaults applied. */
export interface GuardConfig {
  mode: GuardMode
  warn: GuardWarnFrequency
  record: boolean
  traceAttested: boolean
  workspaceId: string | undefined
  onEvent: ((event: GuardEvent) => void) | undefined
  cwd: string
  /** Which unattested calls get their call site resolved in report mode (decision 0042). */
  sites: SiteSampling
}

/** One patched copy of an SDK. */
export interface PatchedSdk {
  readonly provider: GuardSdkModule['provider']
  readonly specifier: string
  readonly version: string | undefined
  readonly format: 'commonjs' | 'esm'
  readonly file: string
  /** The patched call names, e.g. `openai.chat.completions.create`. */
  readonly methods: readonly string[]
}

/** Counts since the guard was last enabled. */
export interface GuardCounts {
  attested: number
  unattested: number
  warned: number
  blocked: number
  recorded: number
}

/** One installed patch, with what it replaced. */
export interface PatchRecord {
  readonly owner: object
  readonly name: string
  readonly original: PropertyDescriptor
  readonly guarded: Function
}

/** Process-wide guard state, shared by every copy of `@mima/guard` through a registered symbol. */
export interface GuardState {
  enabled: boolean
  config: GuardConfig
  counts: GuardCounts
  warnedSites: Set<string>
  patches: PatchRecord[]
  patched: PatchedSdk[]
  /** Files already loaded and patched (CommonJS and ESM entries). */
  patchedFiles: Set<string>
  /** Directories whose frames never count as the caller (SDK packages, the guard itself). */
  skipRoots: string[]
  reporter: GuardReporter | undefined
  /** Pending asynchronous ESM loads (only when `require(esm)` is unavailable). */
  pending: Promise<unknown>[]
  /** The network guard's hosts while it is on. */
  network?: NetworkGuardConfig | undefined
}

// Versioned: a future, incompatible state shape gets its own key.
const STATE_KEY = Symbol.for('mima.guard.state.v1')

/** The one guard state of this process. */
export function guardState(): GuardState {
  const holder = globalThis as unknown as Record<symbol, GuardState | undefined>
  let state = holder[STATE_KEY]
  if (!state) {
    state = {
      enabled: false,
      config: {
        mode: 'warn',
        warn: 'oncePerSite',
        record: true,
        traceAttested: false,
        workspaceId: undefined,
        onEvent: undefined,
        cwd: `${process.cwd()}/`,
        sites: createSiteSampling(DEFAULT_CALL_SITES_PER_SECOND),
      },
      counts: { attested: 0, unattested: 0, warned: 0, blocked: 0, recorded: 0 },
      warnedSites: new Set(),
      patches: [],
      patched: [],
      patchedFiles: new Set(),
      skipRoots: [],
      reporter: undefined,
      pending: [],
    }
    Object.defineProperty(holder, STATE_KEY, { value: state, enumerable: false })
  }
  return state
}

/** Replaces `owner[name]` with `guarded`, remembering the original so it can be restored. */
export function installPatch(state: GuardState, owner: object, name: string, guarded: Function): void {
  const original = Object.getOwnPropertyDescriptor(owner, name)
  if (!original) return
  Object.defineProperty(owner, name, { ...original, value: guarded })
  state.patches.push({ owner, name, original, guarded })
}

/** Restores every patched method that nobody has wrapped again since. */
export function removePatches(state: GuardState): void {
  const kept: PatchRecord[] = []
  for (const patch of state.patches) {
    const current = Object.getOwnPropertyDescriptor(patch.owner, patch.name)
    if (current?.value === patch.guarded) Object.defineProperty(patch.owner, patch.name, patch.original)
    else kept.push(patch) // wrapped again by someone else: ours stays, and passes calls through while disabled
  }
  state.patches = kept
}

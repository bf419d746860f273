import { AsyncLocalStorage } from 'node:async_hooks'
import { fileURLToPath } from 'node:url'
import { getAttestedContext } from '@mima/core'
import {
  captureCallSite,
  captureRawStack,
  type RawStack,
  resolveCallSite,
} from '../call-site/capture-call-site'
import type { GuardEvent, GuardEventProvider, GuardProvider } from '../guard/guard-options'
import type { GuardState } from '../guard/guard-state'
import { MimaAttestationError } from '../guard/mima-attestation-error'
import { eventLine, isoTime } from '../report/event-line'
import { activeTracer, emitGuardSpan } from '../report/otel-sink'
import type { CountedCall } from '../report/site-sampling'
import type { SdkTarget } from './sdk-targets'

/** Marks functions the guard installed, so no copy of the guard wraps a method twice. */
export const GUARDED: unique symbol = Symbol.for('mima.guard.guarded') as never

const SITE_KEY = Symbol.for('mima.guard.helper-site')
// The call site a stream helper saw, carried to the `create` call it makes after a timer.
const siteHolder = globalThis as unknown as Record<symbol, AsyncLocalStorage<string> | undefined>
const helperSites: AsyncLocalStorage<string> = siteHolder[SITE_KEY] ?? new AsyncLocalStorage<string>()
siteHolder[SITE_KEY] = helperSites

// Set while an SDK call the guard already judged runs: the network guard does not judge its request again.
const JUDGED_KEY = Symbol.for('mima.guard.judged-call')
const judgedHolder = globalThis as unknown as Record<symbol, AsyncLocalStorage<true> | undefined>
const judgedCalls: AsyncLocalStorage<true> = judgedHolder[JUDGED_KEY] ?? new AsyncLocalStorage<true>()
judgedHolder[JUDGED_KEY] = judgedCalls

/** Whether the caller runs inside an SDK call the guard's SDK patch has already judged. */
export function isJudgedCall(): boolean {
  return judgedCalls.getStore() === true
}

/** Runs `send` as a call the guard has judged: the layers below it do not judge it again. */
export function runJudged<T>(send: () => T): T {
  return judgedCalls.run(true, send)
}

/** What the guard reports about one call: its name and GenAI operation. */
export interface JudgedTarget {
  readonly call: string
  readonly operation: string
  /** `network` for requests the network guard saw; SDK patches leave it out. */
  readonly layer?: 'network'
}

// This file's own frames (the stream-helper wrapper) are never the caller.
const THIS_FILE = fileURLToPath(import.meta.url)

function isSkipped(state: GuardState, file: string): boolean {
  if (file === THIS_FILE) return true
  for (const root of state.skipRoots) if (file.startsWith(root)) return true
  return false
}

function modelOf(params: unknown): string | undefined {
  const model =
    typeof params === 'object' && params !== null ? (params as { model?: unknown }).model : undefined
  return typeof model === 'string' ? model : undefined
}

/** A rejected promise that still answers the `APIPromise` methods the SDK helpers call. */
function rejectedCall(error: Error): Promise<never> {
  const promise = Promise.reject(error)
  return Object.assign(promise, {
    withResponse: () => promise,
    asResponse: () => promise,
    _thenUnwrap: () => promise,
  })
}

/**
 * The call site from `raw`. A default capture keeps one frame; when that frame is skipped (an SDK
 * helper such as `parse()` called `create`), the stack is captured again with the default two.
 * Runs on the guarded call's own stack, so the second capture sees the same frames.
 */
function callSiteOf(
  raw: RawStack,
  guarded: Function,
  frames: number | undefined,
  skip: (file: string) => boolean,
  cwd: string,
): string | undefined {
  const site = resolveCallSite(raw, skip, cwd)
  if (site !== undefined || frames !== undefined) return site
  return resolveCallSite(captureRawStack(guarded), skip, cwd)
}

/**
 * Report mode into the in-process queue, past the method's rate of resolved call sites: the call
 * is counted into its method's open line, with no stack captured (decision 0042). Returns whether
 * it was.
 */
function countedWithoutSite(
  state: GuardState,
  provider: GuardEventProvider,
  target: JudgedTarget,
  model: string | undefined,
): boolean {
  const { config, reporter } = state
  if (config.mode !== 'report' || config.onEvent !== undefined || !config.record || reporter === undefined)
    return false
  const now = Date.now()
  if (config.sites.resolves(target.call, now) || activeTracer() !== undefined) return false
  state.counts.unattested += 1
  config.sites.count(reporter, unattestedFields(state, provider, target, model), now)
  state.counts.recorded += 1
  return true
}

/** What every event of an unattested call says, but its time and site. */
function unattestedFields(
  state: GuardState,
  provider: GuardEventProvider,
  target: JudgedTarget,
  model: string | undefined,
): CountedCall {
  const { config } = state
  return {
    call: target.call,
    attested: false,
    action: config.mode === 'block' ? 'blocked' : config.mode === 'warn' ? 'warned' : 'reported',
    mode: config.mode,
    provider,
    layer: target.layer,
    operation: target.operation,
    model,
    workspace_id: config.workspaceId,
    pid: process.pid,
  }
}

function record(state: GuardState, event: GuardEvent): void {
  const { config } = state
  try {
    if (config.record) {
      const tracer = activeTracer()
      if (tracer) emitGuardSpan(tracer, event)
      else state.reporter?.push(event)
      state.counts.recorded += 1
    }
    config.onEvent?.(event)
  } catch {
    // recording never fails the AI call
  }
}

// Built once per call with every key present (stable shape); `undefined` values are left out of JSON.
type MutableEvent = {
  -readonly [Key in Exclude<keyof GuardEvent, 'calls' | 'call_site_sampled'>]-?: GuardEvent[Key] | undefined
}

function unattested(
  state: GuardState,
  provider: GuardEventProvider,
  target: JudgedTarget,
  guarded: Function,
  model: string | undefined,
  skipFile: (file: string) => boolean,
  frames: number | undefined,
  captured: RawStack | undefined,
): Error | undefined {
  const { config } = state
  // the SDK wrapper asked before it captured `captured`; the network guard asks here
  if (captured === undefined && countedWithoutSite(state, provider, target, model)) return undefined
  state.counts.unattested += 1
  // one frame is what a direct call needs; callSiteOf captures again when it is not enough
  const raw = captured ?? captureRawStack(guarded, frames ?? 1)
  const helperSite = helperSites.getStore()
  const now = Date.now()
  const { call, ...fields } = unattestedFields(state, provider, target, model)
  // keys in GuardEvent order, as the event's JSON has them
  const event: MutableEvent = { ts: '', call, call_site: undefined, ...fields }
  const skip = skipFile

  // Report mode into the in-process queue: the event becomes its JSON line at once, from cached
  // pieces, so the queue holds one string per call and no stack or event object (see 0041).
  if (config.mode === 'report' && config.onEvent === undefined) {
    try {
      if (!config.record) return undefined
      const tracer = activeTracer()
      if (tracer === undefined && state.reporter) {
        const site = callSiteOf(raw, guarded, frames, skip, config.cwd) ?? helperSite
        config.sites.resolved(target.call, site)
        state.reporter.pushLine(
          eventLine(isoTime(now), site, event as GuardEvent, target.layer === undefined ? target : undefined),
        )
        state.counts.recorded += 1
        return undefined
      }
    } catch {
      return undefined
    }
  }

  const callSite = callSiteOf(raw, guarded, frames, skip, config.cwd) ?? helperSite
  event.ts = isoTime(now)
  event.call_site = callSite
  if (config.mode === 'block') {
    state.counts.blocked += 1
    record(state, event as GuardEvent)
    return new MimaAttestationError(target.call, callSite)
  }
  if (config.mode === 'warn') {
    const site = callSite ?? target.call
    if (config.warn === 'everyCall' || !state.warnedSites.has(site)) {
      if (state.warnedSites.size < 10_000) state.warnedSites.add(site)
      state.counts.warned += 1
      try {
        process.emitWarning(
          `[mima guard] Unattested AI call: ${target.call}${callSite === undefined ? '' : ` at ${callSite}`}. ` +
            'Wrap it with mima.attest(...) to suppress this.',
          { type: 'MimaGuardWarning', code: 'MIMA_UNATTESTED_CALL' },
        )
      } catch {
        // a throwing warning listener must not fail the call
      }
    }
  }
  record(state, event as GuardEvent)
  return undefined
}

function attested(
  state: GuardState,
  provider: GuardEventProvider,
  target: JudgedTarget,
  model: string | undefined,
): void {
  state.counts.attested += 1
  if (!state.config.traceAttested) return
  const context = getAttestedContext()
  const workspaceId = context?.workspaceId ?? state.config.workspaceId
  record(state, {
    ts: new Date().toISOString(),
    call: target.call,
    attested: true,
    action: 'allowed',
    mode: state.config.mode,
    provider,
    ...(target.layer === undefined ? {} : { layer: target.layer }),
    operation: target.operation,
    ...(model === undefined ? {} : { model }),
    ...(workspaceId === undefined ? {} : { workspace_id: workspaceId }),
    pid: process.pid,
  })
}

/** How {@link judgeCall} finds the caller's frame. */
export interface CallerFrames {
  /** Frames that are never the caller (the SDK, the guard, libraries). */
  readonly skip: (file: string) => boolean
  /** How many frames to capture (2 by default). */
  readonly frames?: number
}

/**
 * Judges one AI call by the attested context: counts it, and warns, records or (block mode)
 * returns the error to fail it with. A fault in the guard itself fails closed in block mode only.
 */
export function judgeCall(
  state: GuardState,
  provider: GuardEventProvider,
  target: JudgedTarget,
  guarded: Function,
  model: string | undefined,
  caller: CallerFrames,
  raw?: RawStack,
): Error | undefined {
  try {
    // `raw`: the caller already found the call unattested and captured its frame
    if (raw === undefined && getAttestedContext() !== undefined) {
      attested(state, provider, target, model)
      return undefined
    }
    return unattested(state, provider, target, guarded, model, caller.skip, caller.frames, raw)
  } catch (cause) {
    return state.config.mode === 'block'
      ? new MimaAttestationError(target.call, undefined, { cause })
      : undefined
  }
}

/**
 * Wraps an SDK `create` method. The wrapper does its work synchronously and returns whatever
 * the original returns (the SDK's own `APIPromise`), so `.withResponse()`, streaming and abort
 * keep working. In `block` mode it returns a rejected call without calling the original.
 */
export function guardMethod(
  state: GuardState,
  provider: GuardProvider,
  target: SdkTarget,
  original: Function,
): Function {
  const caller: CallerFrames = { skip: (file) => isSkipped(state, file) }
  const guarded = function (this: unknown, params: unknown): unknown {
    if (!state.enabled) {
      // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the SDK version takes
      return original.apply(this, arguments)
    }
    // An unattested call's frame is captured here, in the wrapper itself: every frame between the
    // capture and `guarded` costs V8 another frame to walk (~0.15–0.2 µs each, inlined or not).
    // A fault here leaves `raw` unset, and judgeCall deals with it as before.
    let raw: RawStack | undefined
    let counted = false
    try {
      const outside = getAttestedContext() === undefined
      if (outside) counted = countedWithoutSite(state, provider, target, modelOf(params))
      if (outside && !counted) {
        const errorConstructor = Error as ErrorConstructor & { stackTraceLimit: number }
        const limit = errorConstructor.stackTraceLimit
        try {
          errorConstructor.stackTraceLimit = 1
          const holder: RawStack = {}
          Error.captureStackTrace(holder, guarded)
          raw = holder
        } finally {
          errorConstructor.stackTraceLimit = limit
        }
      }
    } catch {
      raw = undefined
    }
    const error = counted
      ? undefined
      : judgeCall(state, provider, target, guarded, modelOf(params), caller, raw)
    if (error) return rejectedCall(error)
    // Judged here: the request it makes is not judged again by the network guard.
    // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the SDK version takes
    const args = arguments
    return judgedCalls.run(true, () => original.apply(this, args))
  }
  Object.defineProperty(guarded, GUARDED, { value: original })
  Object.defineProperty(guarded, 'name', { value: original.name })
  return guarded
}

/**
 * Wraps a stream helper (`stream`, `runTools`, `toolRunner`), which calls `create` only after a
 * timer: it remembers the caller's site for that later call.
 */
export function guardHelper(state: GuardState, original: Function): Function {
  const guarded = function (this: unknown): unknown {
    if (!state.enabled || getAttestedContext() !== undefined) {
      // biome-ignore lint/complexity/noArguments: forwards every argument
      return original.apply(this, arguments)
    }
    const site = captureCallSite(guarded, (file) => isSkipped(state, file), state.config.cwd)
    // biome-ignore lint/complexity/noArguments: forwards every argument
    const args = arguments
    return site === undefined
      ? original.apply(this, args)
      : helperSites.run(site, () => original.apply(this, args))
  }
  Object.defineProperty(guarded, GUARDED, { value: original })
  Object.defineProperty(guarded, 'name', { value: original.name })
  return guarded
}

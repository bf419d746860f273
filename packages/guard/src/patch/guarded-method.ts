import { AsyncLocalStorage } from 'node:async_hooks'
import { fileURLToPath } from 'node:url'
import { getAttestedContext } from '@mima/core'
import { captureCallSite, captureRawStack, resolveCallSite } from '../call-site/capture-call-site'
import type { GuardEvent, GuardProvider } from '../guard/guard-options'
import type { GuardState } from '../guard/guard-state'
import { MimaAttestationError } from '../guard/mima-attestation-error'
import { activeTracer, emitGuardSpan } from '../report/otel-sink'
import type { SdkTarget } from './sdk-targets'

/** Marks functions the guard installed, so no copy of the guard wraps a method twice. */
export const GUARDED: unique symbol = Symbol.for('mima.guard.guarded') as never

const SITE_KEY = Symbol.for('mima.guard.helper-site')
// The call site a stream helper saw, carried to the `create` call it makes after a timer.
const siteHolder = globalThis as unknown as Record<symbol, AsyncLocalStorage<string> | undefined>
const helperSites: AsyncLocalStorage<string> = siteHolder[SITE_KEY] ?? new AsyncLocalStorage<string>()
siteHolder[SITE_KEY] = helperSites

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
type MutableEvent = { -readonly [Key in keyof GuardEvent]-?: GuardEvent[Key] | undefined }

function unattested(
  state: GuardState,
  provider: GuardProvider,
  target: SdkTarget,
  guarded: Function,
  params: unknown,
): Error | undefined {
  const { config } = state
  state.counts.unattested += 1
  const raw = captureRawStack(guarded)
  const helperSite = helperSites.getStore()
  const model = modelOf(params)
  const now = Date.now()
  const event = {
    ts: '',
    call: target.call,
    call_site: undefined,
    attested: false,
    action: config.mode === 'block' ? 'blocked' : config.mode === 'warn' ? 'warned' : 'reported',
    mode: config.mode,
    provider,
    operation: target.operation,
    model,
    workspace_id: config.workspaceId,
    pid: process.pid,
  } satisfies MutableEvent as MutableEvent
  const skip = (file: string): boolean => isSkipped(state, file)

  // Report mode into the in-process queue: the call site and the time are formatted when the
  // queue is written, off the caller's path (capturing the raw frames is the only stack work here).
  if (config.mode === 'report' && config.onEvent === undefined) {
    try {
      if (!config.record) return undefined
      const tracer = activeTracer()
      if (tracer === undefined && state.reporter) {
        state.reporter.push(event as GuardEvent, () => {
          event.ts = new Date(now).toISOString()
          event.call_site = resolveCallSite(raw, skip, config.cwd) ?? helperSite
        })
        state.counts.recorded += 1
        return undefined
      }
    } catch {
      return undefined
    }
  }

  const callSite = resolveCallSite(raw, skip, config.cwd) ?? helperSite
  event.ts = new Date(now).toISOString()
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

function attested(state: GuardState, provider: GuardProvider, target: SdkTarget, params: unknown): void {
  state.counts.attested += 1
  if (!state.config.traceAttested) return
  const context = getAttestedContext()
  const model = modelOf(params)
  const workspaceId = context?.workspaceId ?? state.config.workspaceId
  record(state, {
    ts: new Date().toISOString(),
    call: target.call,
    attested: true,
    action: 'allowed',
    mode: state.config.mode,
    provider,
    operation: target.operation,
    ...(model === undefined ? {} : { model }),
    ...(workspaceId === undefined ? {} : { workspace_id: workspaceId }),
    pid: process.pid,
  })
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
  const guarded = function (this: unknown, params: unknown): unknown {
    if (state.enabled) {
      let error: Error | undefined
      try {
        if (getAttestedContext() !== undefined) attested(state, provider, target, params)
        else error = unattested(state, provider, target, guarded, params)
      } catch (cause) {
        // A fault in the guard itself: block mode fails closed, the other modes let the call go.
        if (state.config.mode === 'block') error = new MimaAttestationError(target.call, undefined, { cause })
      }
      if (error) return rejectedCall(error)
    }
    // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the SDK version takes
    return original.apply(this, arguments)
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

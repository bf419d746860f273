import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'
import { fileURLToPath } from 'node:url'
import { getAttestedContext } from '@mima/core'
import { type GuardState, installPatch } from '../guard/guard-state'
import { type CallerFrames, isJudgedCall, judgeCall, runJudged } from '../patch/guarded-method'
import type { HostMatcher } from './provider-hosts'
import { hostOfUrl, requestPath } from './request-url'

/** What the network guard needs while it is on. */
export interface NetworkGuardConfig {
  readonly matcher: HostMatcher
  /** Whether `node:http`/`https` are guarded too (global `fetch` always is). */
  readonly http: boolean
  /** The npm `undici` copies to guard: the prototype that holds `dispatch`, one per copy. */
  readonly undiciDispatchers?: readonly object[]
}

// Frames kept for a network-level call site: the request is usually made a few library frames
// (and awaits) below the app's own code. Only unattested AI requests pay for them.
const NETWORK_FRAMES = 12
const THIS_FILE = fileURLToPath(import.meta.url)
const UNJUDGED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function operationOf(path: string): string {
  if (/embed/i.test(path)) return 'embeddings'
  if (
    /\/(chat\/completions|messages|responses|chat|converse|converse-stream)\b|:(stream)?generateContent\b|\/invoke/i.test(
      path,
    )
  )
    return 'chat'
  if (/\/completions\b/.test(path)) return 'text_completion'
  return 'generate_content'
}

function modelOf(path: string): string | undefined {
  const found = /\/models\/([^/:]+)|\/model\/([^/]+)\/|\/deployments\/([^/]+)\//.exec(path)
  const raw = found?.[1] ?? found?.[2] ?? found?.[3]
  if (raw === undefined) return undefined
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/**
 * Judges one outgoing request: nothing at all unless its host is a known AI provider API, the
 * method can call a model (not GET/HEAD/OPTIONS) and no SDK patch judged the call already.
 * Returns the error to fail it with (block mode). Never reads the body.
 */
function judgeRequest(
  state: GuardState,
  host: string | undefined,
  method: string | undefined,
  path: () => string,
  below: Function,
  caller: CallerFrames,
): Error | undefined {
  const network = state.network
  if (host === undefined || network === undefined) return undefined
  const provider = network.matcher(host)
  if (provider === undefined) return undefined
  if (UNJUDGED_METHODS.has((method ?? 'GET').toUpperCase()) || isJudgedCall()) return undefined
  // Attested and not traced: only counted, without working out the call's name.
  if (!state.config.traceAttested && getAttestedContext() !== undefined) {
    state.counts.attested += 1
    return undefined
  }
  const requestPathname = path()
  const call = `${(method ?? 'GET').toUpperCase()} ${host.toLowerCase()}${requestPathname}`
  return judgeCall(
    state,
    provider,
    { call, operation: operationOf(requestPathname), layer: 'network' },
    below,
    modelOf(requestPathname),
    caller,
  )
}

type FetchInput = string | URL | { readonly url: string; readonly method?: string }

function fetchHost(input: unknown): string | undefined {
  if (typeof input === 'string') return hostOfUrl(input)
  if (input instanceof URL) return input.host
  const url = (input as { url?: unknown } | null)?.url
  return typeof url === 'string' ? hostOfUrl(url) : undefined
}

function guardFetch(state: GuardState, original: typeof fetch, caller: CallerFrames): typeof fetch {
  const guarded = function fetch(this: unknown, input: FetchInput, init?: RequestInit): Promise<Response> {
    if (state.enabled) {
      const host = fetchHost(input)
      if (host !== undefined && state.network?.matcher(host) !== undefined) {
        const method =
          init?.method ?? (typeof input === 'object' && !(input instanceof URL) ? input.method : undefined)
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
        const error = judgeRequest(state, host, method, () => requestPath(url), guarded, caller)
        if (error) return Promise.reject(error)
        // When npm undici is the global dispatcher, this request reaches its dispatch too: judged once.
        // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the runtime takes
        const args = arguments
        return runJudged(() => Reflect.apply(original, this, args) as Promise<Response>)
      }
    }
    // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the runtime takes
    return Reflect.apply(original, this, arguments) as Promise<Response>
  }
  return guarded as typeof fetch
}

type RequestFunction = typeof http.request

interface RequestTarget {
  host: string | undefined
  method: string | undefined
  path: string
}

function requestTarget(args: readonly unknown[], defaultPort: number): RequestTarget {
  let host: string | undefined
  let path = '/'
  let method: string | undefined
  let options: Record<string, unknown> | undefined
  const first = args[0]
  if (typeof first === 'string' || first instanceof URL) {
    const url = typeof first === 'string' ? first : first.href
    host = hostOfUrl(url)
    path = requestPath(url)
    if (typeof args[1] === 'object' && args[1] !== null) options = args[1] as Record<string, unknown>
  } else if (typeof first === 'object' && first !== null) {
    options = first as Record<string, unknown>
  }
  if (options !== undefined) {
    const name = options.hostname ?? options.host
    if (typeof name === 'string') {
      const port = options.port === undefined || options.port === null ? defaultPort : Number(options.port)
      host = port === defaultPort ? name : `${name}:${port}`
    } else if (host === undefined) host = 'localhost'
    if (typeof options.path === 'string') path = requestPath(`http://x${options.path}`)
    if (typeof options.method === 'string') method = options.method
  }
  return { host, method, path }
}

function guardRequest(
  state: GuardState,
  module: typeof http | typeof https,
  original: RequestFunction,
  caller: CallerFrames,
): RequestFunction {
  const defaultPort = module === https ? 443 : 80
  const guarded = function request(this: unknown): http.ClientRequest {
    // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the overload
    const args = arguments
    if (state.enabled && state.network !== undefined) {
      const target = requestTarget(args as unknown as unknown[], defaultPort)
      const error = judgeRequest(state, target.host, target.method, () => target.path, guarded, caller)
      if (error) return blockedRequest(module, original, args, error)
    }
    return Reflect.apply(original, this, args) as http.ClientRequest
  }
  return guarded as unknown as RequestFunction
}

/** A request that never connects: an agent that takes no socket, destroyed with `error`. */
function blockedRequest(
  module: typeof http | typeof https,
  original: RequestFunction,
  args: IArguments,
  error: Error,
): http.ClientRequest {
  const agent = new module.Agent()
  ;(agent as unknown as { addRequest: () => void }).addRequest = () => {}
  const list = Array.from(args)
  const callbackIndex = list.findIndex((argument) => typeof argument === 'function')
  const callback = callbackIndex === -1 ? undefined : list[callbackIndex]
  const leading = callbackIndex === -1 ? list : list.slice(0, callbackIndex)
  const optionsIndex = leading.findIndex(
    (argument) => typeof argument === 'object' && argument !== null && !(argument instanceof URL),
  )
  if (optionsIndex === -1) leading.push({ agent })
  else leading[optionsIndex] = { ...(leading[optionsIndex] as object), agent }
  const request = Reflect.apply(
    original,
    module,
    callback === undefined ? leading : [...leading, callback],
  ) as http.ClientRequest
  // Without a socket, `destroy` emits nothing: the caller hears of it through 'error', as for a
  // refused connection, once it has had the chance to listen.
  request.destroy()
  process.nextTick(() => {
    request.emit('error', error)
    request.emit('close')
  })
  return request
}

type Dispatch = (this: unknown, options: unknown, handler: unknown) => unknown

interface DispatchOptions {
  readonly origin?: unknown
  readonly path?: unknown
  readonly method?: unknown
}

interface DispatchHandler {
  onError?: (error: Error) => void
  onResponseError?: (controller: unknown, error: Error) => void
}

/**
 * Wraps npm undici's `dispatch` (every `Client`, `Pool` and `Agent` inherits it; `request`,
 * `fetch`, `stream` and `pipeline` all end there). An `Agent` hands one request's options down to
 * a `Pool` and a `Client`: the options object is judged once. A blocked request fails through
 * the handler, as undici fails its own.
 */
function guardDispatch(state: GuardState, original: Dispatch, caller: CallerFrames): Dispatch {
  const judged = new WeakSet<object>()
  // A Client or Pool is bound to one origin (undici keeps it under its `url` symbol), so its
  // requests may leave `origin` out.
  let urlSymbol: symbol | undefined
  const boundOrigin = (dispatcher: unknown): unknown => {
    if (typeof dispatcher !== 'object' || dispatcher === null) return undefined
    urlSymbol ??= Object.getOwnPropertySymbols(dispatcher).find((symbol) => symbol.description === 'url')
    return urlSymbol === undefined ? undefined : (dispatcher as Record<symbol, unknown>)[urlSymbol]
  }
  const guarded = function dispatch(this: unknown, options: unknown, handler: unknown): unknown {
    if (state.enabled && state.network !== undefined && typeof options === 'object' && options !== null) {
      if (!judged.has(options)) {
        judged.add(options)
        const { path, method } = options as DispatchOptions
        const origin = (options as DispatchOptions).origin ?? boundOrigin(this)
        const host =
          typeof origin === 'string' ? hostOfUrl(origin) : origin instanceof URL ? origin.host : undefined
        if (host !== undefined && state.network.matcher(host) !== undefined) {
          const error = judgeRequest(
            state,
            host,
            typeof method === 'string' ? method : undefined,
            () => requestPath(`http://x${typeof path === 'string' ? path : '/'}`),
            guarded,
            caller,
          )
          if (error) {
            const target = handler as DispatchHandler | null
            if (typeof target?.onError === 'function') target.onError(error)
            else if (typeof target?.onResponseError === 'function') target.onResponseError(null, error)
            else throw error
            return false
          }
        }
      }
    }
    // biome-ignore lint/complexity/noArguments: forwards every argument
    return Reflect.apply(original, this, arguments)
  }
  return guarded as Dispatch
}

/** The prototype of an npm undici copy's exports that defines `dispatch` (undici's DispatcherBase). */
export function undiciDispatcher(exports: unknown): object | undefined {
  const client = (exports as { Client?: { prototype?: object } } | null)?.Client
  let prototype: object | null | undefined = client?.prototype
  while (prototype !== null && prototype !== undefined && prototype !== Object.prototype) {
    if (Object.hasOwn(prototype, 'dispatch')) {
      return typeof (prototype as { dispatch?: unknown }).dispatch === 'function' ? prototype : undefined
    }
    prototype = Object.getPrototypeOf(prototype)
  }
  return undefined
}

function guardGet(request: RequestFunction): typeof http.get {
  return function get(this: unknown): http.ClientRequest {
    // biome-ignore lint/complexity/noArguments: forwards every argument, whatever the overload
    const outgoing = Reflect.apply(request, this, arguments) as http.ClientRequest
    outgoing.end()
    return outgoing
  } as typeof http.get
}

/**
 * Installs the network guard: wraps global `fetch`, `http`/`https` `request` and `get` (and
 * updates their ESM named exports) and npm undici's `dispatch`, so a request to a known AI provider host is judged like an SDK
 * call whatever library makes it. The patches are recorded in the guard state and removed with
 * the SDK ones.
 */
export function installNetworkGuard(
  state: GuardState,
  config: NetworkGuardConfig,
  skip: (file: string) => boolean,
): void {
  state.network = config
  const caller: CallerFrames = { skip: (file) => file === THIS_FILE || skip(file), frames: NETWORK_FRAMES }
  const globals = globalThis as { fetch?: typeof fetch }
  if (typeof globals.fetch === 'function' && !state.patches.some((patch) => patch.owner === globalThis)) {
    installPatch(state, globalThis, 'fetch', guardFetch(state, globals.fetch, caller))
  }
  for (const module of config.http ? [http, https] : []) {
    if (state.patches.some((patch) => patch.owner === module)) continue
    const request = guardRequest(state, module, module.request, caller)
    installPatch(state, module, 'request', request)
    installPatch(state, module, 'get', guardGet(request))
  }
  for (const dispatcher of config.undiciDispatchers ?? []) {
    if (state.patches.some((patch) => patch.owner === dispatcher)) continue
    const original = (dispatcher as { dispatch: Dispatch }).dispatch
    installPatch(state, dispatcher, 'dispatch', guardDispatch(state, original, caller))
  }
  syncBuiltinESMExports()
}

/** Updates the ESM named exports of `http`/`https` after patches were installed or removed. */
export function syncNetworkExports(): void {
  syncBuiltinESMExports()
}

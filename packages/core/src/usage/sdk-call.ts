/**
 * Helpers shared by the SDK wrappers (`@mima/integrations-openai`, `@mima/integrations-anthropic`):
 * observing an SDK's `APIPromise` without replacing it, observing a stream chunk by chunk, and
 * estimating the tokens of a request before it is sent.
 */

/** The parts of an SDK `APIPromise` (openai ≥ 5, @anthropic-ai/sdk ≥ 0.50) the wrappers use. */
export interface ApiPromiseLike<T> extends PromiseLike<T> {
  _thenUnwrap<U>(transform: (data: T, props: unknown) => U): ApiPromiseLike<U>
  withResponse(): Promise<{ data: T; response: Response }>
  asResponse(): Promise<Response>
}

/** Whether `value` looks like an SDK `APIPromise`. */
export function isApiPromise(value: unknown): value is ApiPromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { _thenUnwrap?: unknown })._thenUnwrap === 'function' &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/**
 * Observes an SDK call's result and failure while returning the SDK's own `APIPromise` (so
 * `.withResponse()`, `.asResponse()` and streaming keep working): `onResult` may return a
 * replacement (a wrapped stream); `onError` sees request failures. Not an `APIPromise`: the
 * value is observed and returned unchanged.
 */
export function observeApiCall<T>(
  result: T,
  onResult: (data: unknown) => unknown,
  onError: (error: unknown) => void,
): T {
  if (isApiPromise(result)) {
    // The request's failure, without parsing the body a second time.
    const response = (result as unknown as { responsePromise?: Promise<unknown> }).responsePromise
    if (response !== undefined && typeof response.then === 'function') response.then(undefined, onError)
    return result._thenUnwrap((data) => onResult(data)) as unknown as T
  }
  Promise.resolve(result).then(onResult, onError)
  return result
}

/**
 * An `APIPromise` stand-in for a call that must wait (for a budget check) before the SDK call is
 * made: a promise of the parsed result with `withResponse`, `asResponse` and `_thenUnwrap`
 * forwarded to the SDK's promise once it exists. `start` resolves with the SDK's promise in a box
 * (a bare thenable would be flattened into its parsed value).
 */
export function deferredApiCall<T>(start: Promise<{ readonly call: T }>): T {
  const sdk = (box: { readonly call: T }): ApiPromiseLike<unknown> =>
    box.call as unknown as ApiPromiseLike<unknown>
  const result = start.then((box) => box.call) as Promise<unknown> & Record<string, unknown>
  result.catch(() => undefined) // a caller that only uses withResponse() still sees the error there
  result.withResponse = () => start.then((box) => sdk(box).withResponse())
  result.asResponse = () => start.then((box) => sdk(box).asResponse())
  result._thenUnwrap = (transform: (data: unknown, props: unknown) => unknown) =>
    deferredApiCall(start.then((box) => ({ call: sdk(box)._thenUnwrap(transform) })))
  return result as unknown as T
}

/** What {@link observeStream} does with one chunk. */
export type ChunkVerdict = 'pass' | 'hide'

/**
 * Wraps an SDK `Stream` (an object whose `iterator()` produces its chunks) in place: every chunk
 * goes through `onChunk` (which may hide it from the caller), and `onEnd` runs once when the stream
 * ends, fails or is abandoned. `for await`, `tee()` and `toReadableStream()` all see the wrapped
 * chunks. Returns false when `value` is not such a stream.
 */
export function observeStream(
  value: unknown,
  onChunk: (chunk: unknown) => ChunkVerdict,
  onEnd: (error: unknown) => void,
): boolean {
  const stream = value as { iterator?: () => AsyncIterator<unknown> } | null
  if (typeof stream !== 'object' || stream === null || typeof stream.iterator !== 'function') return false
  const original = stream.iterator
  let ended = false
  const end = (error: unknown): void => {
    if (ended) return
    ended = true
    onEnd(error)
  }
  stream.iterator = function wrappedIterator(this: unknown): AsyncIterator<unknown> {
    const source = original.call(this)
    return (async function* observed(): AsyncGenerator<unknown> {
      let failure: unknown
      try {
        for (;;) {
          const next = await source.next()
          if (next.done === true) break
          if (onChunk(next.value) === 'pass') yield next.value
        }
      } catch (error) {
        failure = error
        throw error
      } finally {
        // A caller that stopped early (break) ends the source too.
        if (failure === undefined) await source.return?.()
        end(failure)
      }
    })()
  }
  return true
}

/**
 * A quick estimate of the tokens in a request's content (about four characters per token), for
 * projecting a call's cost before it runs. Walks strings inside objects and arrays, ignoring keys.
 */
export function estimateTokens(value: unknown, limit = 1_000_000): number {
  let characters = 0
  const walk = (item: unknown, depth: number): void => {
    if (characters > limit * 4 || depth > 20) return
    if (typeof item === 'string') characters += item.length
    else if (Array.isArray(item)) for (const element of item) walk(element, depth + 1)
    else if (typeof item === 'object' && item !== null)
      for (const key in item) walk((item as Record<string, unknown>)[key], depth + 1)
  }
  walk(value, 0)
  return Math.ceil(characters / 4)
}

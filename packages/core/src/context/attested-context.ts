import type { AsyncLocalStorage as AsyncLocalStorageType } from 'node:async_hooks'

/** What is known about the attestation a piece of code runs inside. */
export interface AttestedContext {
  /** The attested tool's name. */
  readonly toolName: string
  /** The system the attestation belongs to. */
  readonly systemName?: string
  /** The workspace the attestation reports into, when known. */
  readonly workspaceId?: string
  /** The approval the attestation presents, if any. */
  readonly approvalId?: string
}

interface ContextStore {
  storage: AsyncLocalStorageType<AttestedContext> | undefined
}

// One store per process, found through a registered symbol, so that every copy of
// @mima/core (CJS and ESM, different versions) reads and writes the same context.
const STORE_KEY = Symbol.for('mima.attested-context')

function loadAsyncLocalStorage(): (new () => AsyncLocalStorageType<AttestedContext>) | undefined {
  const globals = globalThis as {
    AsyncLocalStorage?: new () => AsyncLocalStorageType<AttestedContext>
    process?: { getBuiltinModule?: (id: string) => unknown }
  }
  // Node ≥ 20.16, Bun and Deno expose getBuiltinModule; edge runtimes may expose the class globally.
  const asyncHooks = globals.process?.getBuiltinModule?.('node:async_hooks') as
    | { AsyncLocalStorage: new () => AsyncLocalStorageType<AttestedContext> }
    | undefined
  return asyncHooks?.AsyncLocalStorage ?? globals.AsyncLocalStorage
}

function store(): ContextStore {
  const holder = globalThis as unknown as Record<symbol, ContextStore | undefined>
  let existing = holder[STORE_KEY]
  if (!existing) {
    const AsyncLocalStorage = loadAsyncLocalStorage()
    existing = { storage: AsyncLocalStorage ? new AsyncLocalStorage() : undefined }
    Object.defineProperty(holder, STORE_KEY, { value: existing, enumerable: false })
  }
  return existing
}

/**
 * Runs `fn` with `context` as the active attested context. The context follows the
 * async work `fn` starts and never leaks into concurrent tasks.
 */
export function runAttested<T>(context: AttestedContext, fn: () => T): T {
  const storage = store().storage
  if (!storage) {
    throw new Error('Mima needs AsyncLocalStorage (Node, Bun, Deno or an edge runtime with async context)')
  }
  return storage.run(context, fn)
}

/** The attested context the caller runs inside, or `undefined` when it is not attested. */
export function getAttestedContext(): AttestedContext | undefined {
  return store().storage?.getStore()
}

/** Whether the caller runs inside `mima.attest(...)` (or another attested scope). */
export function isAttested(): boolean {
  return getAttestedContext() !== undefined
}

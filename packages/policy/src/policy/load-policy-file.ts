import type { PolicyEngine } from '../precheck/create-policy-engine'
import { type CompiledPolicy, compilePolicy } from './compile-policy'
import { parsePolicy } from './parse-policy'

/** Options for {@link loadPolicyFile}. */
export interface LoadPolicyFileOptions {
  /** An engine whose policy is replaced on every valid reload. */
  readonly engine?: PolicyEngine
  /** Re-read the file when it changes (checked every `intervalMs`, default 1000). Default `false`. */
  readonly watch?: boolean | { readonly intervalMs?: number }
  /** Called after a valid reload with the new policy. */
  readonly onReload?: (policy: CompiledPolicy) => void
  /**
   * Called when a reload is refused (a `PolicyValidationError` with file, line and field) or the
   * file cannot be read. The previous policy stays in force. Default: `console.warn`.
   */
  readonly onError?: (error: unknown) => void
}

/** A policy file being followed. */
export interface PolicyFile {
  /** The policy in force (the last valid version of the file). */
  readonly policy: CompiledPolicy
  /** Reads the file again now; throws when it is refused (the previous policy stays in force). */
  reload(): Promise<CompiledPolicy>
  /** Stops watching. */
  close(): void
}

function defaultError(error: unknown): void {
  console.warn(
    `[mima] policy reload refused, the previous policy stays in force: ${String((error as Error)?.message ?? error)}`,
  )
}

/**
 * Loads a YAML policy file (Node), optionally hot-reloading it when it changes. The first load
 * throws when the file is refused; a refused reload keeps the previous policy and reports the
 * error with its file, line and field. A policy is never half-applied.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine()
 * const file = await loadPolicyFile('policy.yaml', { engine, watch: true })
 * // edit policy.yaml: the engine switches to the new version once it validates
 * ```
 */
export async function loadPolicyFile(path: string, options: LoadPolicyFileOptions = {}): Promise<PolicyFile> {
  const { readFile } = await import('node:fs/promises')
  const { watchFile, unwatchFile } = await import('node:fs')
  const onError = options.onError ?? defaultError

  async function read(): Promise<CompiledPolicy> {
    const source = await readFile(path, 'utf8')
    return compilePolicy(parsePolicy(source, { file: path }))
  }

  let current = await read()
  options.engine?.setPolicy(current)
  let reloading: Promise<CompiledPolicy> | undefined

  async function reload(): Promise<CompiledPolicy> {
    const next = await read()
    current = next
    options.engine?.setPolicy(next)
    options.onReload?.(next)
    return next
  }

  const watch = options.watch
  let listener: (() => void) | undefined
  if (watch !== undefined && watch !== false) {
    const interval = watch === true ? 1000 : (watch.intervalMs ?? 1000)
    listener = () => {
      // One reload at a time; a change during a reload is picked up by the next poll.
      if (reloading !== undefined) return
      reloading = reload()
        .catch((error: unknown) => {
          onError(error)
          return current
        })
        .finally(() => {
          reloading = undefined
        })
    }
    watchFile(path, { interval, persistent: false }, listener)
  }

  return {
    get policy(): CompiledPolicy {
      return current
    },
    reload,
    close(): void {
      if (listener !== undefined) unwatchFile(path, listener)
    },
  }
}

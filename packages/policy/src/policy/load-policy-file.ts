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
  const { readFile, stat } = await import('node:fs/promises')
  const onError = options.onError ?? defaultError

  async function read(): Promise<CompiledPolicy> {
    const source = await readFile(path, 'utf8')
    return compilePolicy(parsePolicy(source, { file: path }))
  }

  // The file's identity is taken before the first read, so a change made while loading is seen.
  const fingerprint = async (): Promise<string> => {
    const stats = await stat(path).catch(() => undefined)
    return stats === undefined ? 'missing' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`
  }
  let seen = options.watch ? await fingerprint() : ''
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
  let timer: ReturnType<typeof setInterval> | undefined
  if (watch !== undefined && watch !== false) {
    const interval = watch === true ? 1000 : (watch.intervalMs ?? 1000)
    // One reload at a time. A change seen during a reload queues one more reload after it: the
    // poll fires once per change, so dropping it would leave the engine on an older file.
    let changedDuringReload = false
    const onChange = (): void => {
      if (reloading !== undefined) {
        changedDuringReload = true
        return
      }
      reloading = reload()
        .catch((error: unknown) => {
          onError(error)
          return current
        })
        .finally(() => {
          reloading = undefined
          if (changedDuringReload) {
            changedDuringReload = false
            onChange()
          }
        })
    }
    // Our own poll (not fs.watchFile, whose first stat is taken later, after a change it then misses).
    let polling = false
    timer = setInterval(() => {
      if (polling) return
      polling = true
      fingerprint()
        .then((now) => {
          if (now === seen) return
          seen = now
          onChange()
        })
        .finally(() => {
          polling = false
        })
    }, interval)
    timer.unref?.()
  }

  return {
    get policy(): CompiledPolicy {
      return current
    },
    reload,
    close(): void {
      if (timer !== undefined) clearInterval(timer)
    },
  }
}

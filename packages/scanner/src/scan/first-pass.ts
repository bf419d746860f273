import { existsSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { type FileTaskResult, runFileTask } from './file-task'
import type { WorkerRequest, WorkerResponse } from './scan-worker'

/** Below this many files, threads cost more to start than they save. */
const WORKER_THRESHOLD = 3000
const BATCH_SIZE = 64
const WORKER_STACK_MB = 16

function workerFile(): string | undefined {
  try {
    const own = import.meta.url
    const url = new URL(own.endsWith('.cjs') ? './scan-worker.cjs' : './scan-worker.js', own)
    const path = fileURLToPath(url)
    return existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

/** Options for {@link runFirstPass}. */
export interface FirstPassOptions {
  /** Worker threads: a number, or `auto` (one per core when the tree is large). 0 = this thread. */
  readonly workers?: number | 'auto'
  readonly onProgress?: (done: number, total: number) => void
}

/**
 * The number of worker threads a scan of `fileCount` files would use. This thread works too, so
 * `auto` starts one per idle core beyond this one: a worker starts cold (module load, JIT), which
 * only pays off on a large tree with a core to spare; on a busy machine it costs more than it saves.
 */
export function plannedWorkers(fileCount: number, workers: number | 'auto' = 'auto'): number {
  if (workers !== 'auto') return workers > 0 && workerFile() ? Math.floor(workers) : 0
  if (fileCount < WORKER_THRESHOLD || !workerFile()) return 0
  const idleCores = Math.floor(availableParallelism() - (loadavg()[0] ?? 0))
  return Math.max(0, Math.min(idleCores - 1, 7))
}

/** Runs the read + pre-filter + parse pass over every file, on worker threads when worth it. */
export async function runFirstPass(
  paths: readonly string[],
  options: FirstPassOptions = {},
): Promise<FileTaskResult[]> {
  const count = plannedWorkers(paths.length, options.workers)
  const results: FileTaskResult[] = new Array(paths.length)
  if (count === 0) {
    for (let index = 0; index < paths.length; index++) {
      results[index] = runFileTask(paths[index] as string)
      if (options.onProgress && (index % 200 === 199 || index === paths.length - 1))
        options.onProgress(index + 1, paths.length)
    }
    return results
  }
  const file = workerFile() as string
  const batches: Array<{ start: number; paths: string[] }> = []
  for (let start = 0; start < paths.length; start += BATCH_SIZE)
    batches.push({ start, paths: paths.slice(start, start + BATCH_SIZE) })
  let next = 0
  let done = 0
  const finish = (start: number, batchResults: readonly FileTaskResult[]): void => {
    batchResults.forEach((result, offset) => {
      results[start + offset] = result
    })
    done += batchResults.length
    options.onProgress?.(done, paths.length)
  }
  // Twice the main thread's stack: the parser recurses on it (see analysis/parse-guard.ts).
  const workers = Array.from(
    { length: count },
    () => new Worker(file, { resourceLimits: { stackSizeMb: WORKER_STACK_MB } }),
  )
  // This thread takes batches too, yielding between them so worker answers are handled.
  const mainLoop = async (): Promise<void> => {
    for (;;) {
      const batch = batches[next++]
      if (!batch) return
      finish(batch.start, batch.paths.map(runFileTask))
      await new Promise<void>((resolveTurn) => setImmediate(resolveTurn))
    }
  }
  try {
    await Promise.all([
      mainLoop(),
      ...workers.map(
        (worker) =>
          new Promise<void>((resolvePromise, reject) => {
            const send = (): void => {
              const id = next++
              const batch = batches[id]
              if (!batch) {
                resolvePromise()
                return
              }
              worker.postMessage({ id, paths: batch.paths } satisfies WorkerRequest)
            }
            worker.on('message', (response: WorkerResponse) => {
              finish((batches[response.id] as { start: number }).start, response.results)
              send()
            })
            worker.on('error', reject)
            send()
          }),
      ),
    ])
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
  return results
}

import { parentPort } from 'node:worker_threads'
import { type FileTaskResult, runFileTask } from './file-task'

/** A batch of paths in, their first-pass results out. */
export interface WorkerRequest {
  readonly id: number
  readonly paths: readonly string[]
}
export interface WorkerResponse {
  readonly id: number
  readonly results: readonly FileTaskResult[]
}

parentPort?.on('message', (request: WorkerRequest) => {
  const results = request.paths.map(runFileTask)
  parentPort?.postMessage({ id: request.id, results } satisfies WorkerResponse)
})

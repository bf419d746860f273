import { execFile } from 'node:child_process'
import { join } from 'node:path'

/** The guard package directory (fixtures resolve `@mima/guard` to it by self-reference). */
export const packageDirectory: string = join(import.meta.dirname, '..')

/** Runs `node ...args` in the package directory and collects its output. */
export function runNode(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args],
      { cwd: packageDirectory, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

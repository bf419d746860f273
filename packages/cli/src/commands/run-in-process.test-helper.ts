import { PassThrough } from 'node:stream'
import { runCli } from '../cli/run-cli'

/** Runs `mima` in this process with captured output (for commands that need no server). */
export async function runInProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = { HOME: '/nonexistent-mima-home', PATH: process.env.PATH ?? '' },
  stdinText = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8')
  })
  const stdin = new PassThrough()
  stdin.end(stdinText)
  const code = await runCli({ argv, env, stdout, stderr, stdin })
  return { code, stdout: out, stderr: err }
}

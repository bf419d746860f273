import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createHome, spawnMima } from './run-mima'

const FIXTURES = join(import.meta.dirname, '..', '..', 'scanner', 'test', 'fixtures')

/** `mima … | head`: the reader closes the pipe before the command has printed everything. */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const mima = spawnMima(args, { home: await createHome() })
  // Closed before the process has started, so every write it makes meets a closed pipe (EPIPE).
  mima.child.stdout.destroy()
  mima.child.stdin.end()
  return { code: await mima.exited, stderr: mima.stderr }
}

describe('mima with its output piped into a reader that stops early', { timeout: 60_000 }, () => {
  it('keeps the exit code of the command and prints no stack trace', async () => {
    const scanned = await withClosedStdout(['scan', join(FIXTURES, 'sdks')])
    expect(scanned).toEqual({ code: 0, stderr: '' })
    const strict = await withClosedStdout(['scan', join(FIXTURES, 'attestation'), '--strict'])
    expect(strict).toEqual({ code: 1, stderr: '' })
    const help = await withClosedStdout(['--help'])
    expect(help).toEqual({ code: 0, stderr: '' })
  })
})

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { runCli } from '@mima/cli'

/** What one in-process `mima verify --json` run reported. */
export interface VerifyRun {
  exitCode: number
  verified: boolean
  /** The failing checks' details. */
  failures: string[]
  stdout: string
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  return {
    stream: new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk))
        done()
      },
    }),
    text: () => chunks.join(''),
  }
}

/** Runs `mima …args` in this process; returns its exit code and output. */
export async function runMimaInProcess(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const stdout = collector()
  const stderr = collector()
  const exitCode = await runCli({ argv: args, env, stdout: stdout.stream, stderr: stderr.stream })
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() }
}

/**
 * Runs `mima verify --json …args` in this process against `baseUrl`, with `home` as HOME (a fresh
 * one, removed afterwards, when omitted).
 */
export async function runVerify(
  server: { baseUrl: string; adminKey: string; workspaceId: string },
  args: readonly string[] = [],
  givenHome?: string,
): Promise<VerifyRun> {
  const home = givenHome ?? (await mkdtemp(join(tmpdir(), 'mima-reliability-')))
  const stdout = collector()
  const stderr = collector()
  try {
    const exitCode = await runCli({
      argv: ['verify', '--json', ...args],
      env: {
        HOME: home,
        MIMA_BASE_URL: server.baseUrl,
        MIMA_API_KEY: server.adminKey,
        MIMA_WORKSPACE_ID: server.workspaceId,
      },
      stdout: stdout.stream,
      stderr: stderr.stream,
    })
    const text = stdout.text()
    let report: { verified?: boolean; checks?: Array<{ ok: boolean; detail: string }> } = {}
    try {
      report = JSON.parse(text) as typeof report
    } catch {
      throw new Error(`mima verify printed no JSON report (exit ${exitCode}): ${text}${stderr.text()}`)
    }
    return {
      exitCode,
      verified: report.verified === true,
      failures: (report.checks ?? []).filter((check) => !check.ok).map((check) => check.detail),
      stdout: text,
    }
  } finally {
    if (givenHome === undefined) await rm(home, { recursive: true, force: true })
  }
}

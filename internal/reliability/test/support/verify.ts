import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The CLI's own in-process runner (runCli with captured output), reached by path: it is a test
// helper, not part of @mima/cli's published API.
import { runInProcess } from '../../../../packages/cli/src/commands/run-in-process.test-helper'

/** What one in-process `mima verify --json` run reported. */
export interface VerifyRun {
  exitCode: number
  verified: boolean
  /** The failing checks' details. */
  failures: string[]
  stdout: string
}

/** Runs `mima …args` in this process with only the given variables; returns its exit code and output. */
export { runInProcess as runMimaInProcess }

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
  try {
    const { code, stdout, stderr } = await runInProcess(['verify', '--json', ...args], {
      HOME: home,
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
    })
    let report: { verified?: boolean; checks?: Array<{ ok: boolean; detail: string }> } = {}
    try {
      report = JSON.parse(stdout) as typeof report
    } catch {
      throw new Error(`mima verify printed no JSON report (exit ${code}): ${stdout}${stderr}`)
    }
    return {
      exitCode: code,
      verified: report.verified === true,
      failures: (report.checks ?? []).filter((check) => !check.ok).map((check) => check.detail),
      stdout,
    }
  } finally {
    if (givenHome === undefined) await rm(home, { recursive: true, force: true })
  }
}

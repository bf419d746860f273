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

/** Runs `mima verify --json …args` in this process against `baseUrl` with a fresh HOME. */
export async function runVerify(
  server: { baseUrl: string; adminKey: string; workspaceId: string },
  args: readonly string[] = [],
): Promise<VerifyRun> {
  const home = await mkdtemp(join(tmpdir(), 'mima-reliability-'))
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
    await rm(home, { recursive: true, force: true })
  }
}

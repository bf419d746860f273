import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findChromium } from '../../../scripts/find-chromium.mjs'
import { summariseTestReports } from '../../../scripts/test-summary.mjs'

const root = mkdtempSync(join(tmpdir(), 'mima-scripts-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function report(directory: string, file: string, fields: Record<string, unknown>): void {
  mkdirSync(directory, { recursive: true })
  writeFileSync(
    join(directory, file),
    JSON.stringify({
      numPassedTests: 0,
      numFailedTests: 0,
      startTime: Date.now() - 1000,
      testResults: [],
      ...fields,
    }),
  )
}

describe("pnpm test's closing line (scripts/test-summary.mjs)", () => {
  const expected = new Map([
    ['_mima_core.json', '@mima/core'],
    ['_mima_server.json', '@mima/server'],
  ])

  it('says ok with exit 0 only when every package reported and nothing failed', () => {
    const resultsDir = join(root, 'green')
    report(resultsDir, '_mima_core.json', { numPassedTests: 5, success: true })
    report(resultsDir, '_mima_server.json', { numPassedTests: 7, success: true })
    const { lines, exitCode } = summariseTestReports({
      root,
      resultsDir,
      expected,
      filtered: false,
      turboStatus: 0,
      wallMs: 2000,
    })
    expect(exitCode).toBe(0)
    expect(lines.at(-1)).toBe('tests: 12 passed, 0 failed, 0 skipped (2.0 s) — ok')
    expect(lines.join('\n')).toMatch(/Time per package[\s\S]*@mima\/server/)
  })

  it('never says "0 failed" alone when a test file failed before its tests ran (a missing browser)', () => {
    const resultsDir = join(root, 'browser-missing')
    report(resultsDir, '_mima_core.json', { numPassedTests: 5, success: true })
    report(resultsDir, '_mima_server.json', {
      numPassedTests: 7,
      success: false,
      testResults: [
        { name: join(root, 'packages/server/test/dashboard/dashboard-browser.test.ts'), status: 'failed' },
      ],
    })
    const { lines, exitCode } = summariseTestReports({
      root,
      resultsDir,
      expected,
      filtered: false,
      turboStatus: 1,
      wallMs: 2000,
    })
    expect(exitCode).toBe(1)
    expect(lines.at(-1)).toBe('tests: 12 passed, 0 failed, 0 skipped; 1 test file failed (2.0 s) — FAILED')
    expect(lines).toContain('  packages/server/test/dashboard/dashboard-browser.test.ts')
  })

  it('names a package that left no report, and a failing turbo run with nothing else to show', () => {
    const resultsDir = join(root, 'crashed')
    report(resultsDir, '_mima_core.json', { numPassedTests: 5, success: true })
    const crashed = summariseTestReports({
      root,
      resultsDir,
      expected,
      filtered: false,
      turboStatus: 1,
      wallMs: 1000,
    })
    expect(crashed.exitCode).toBe(1)
    expect(crashed.lines.at(-1)).toMatch(/; 1 package did not run .* — FAILED$/)
    expect(crashed.lines).toContain('  @mima/server')
    const filtered = summariseTestReports({
      root,
      resultsDir,
      expected,
      filtered: true,
      turboStatus: 1,
      wallMs: 1000,
    })
    expect(filtered.exitCode).toBe(1)
    expect(filtered.lines.at(-1)).toMatch(/; turbo exited with code 1 .* — FAILED$/)
  })
})

describe('scripts/find-chromium.mjs', () => {
  it('uses MIMA_CHROMIUM_PATH, refuses one that is not executable, and searches the PATH', () => {
    const bin = join(root, 'bin')
    mkdirSync(bin, { recursive: true })
    const browser = join(bin, 'chromium')
    writeFileSync(browser, '#!/bin/sh\n')
    chmodSync(browser, 0o755)
    expect(findChromium({ MIMA_CHROMIUM_PATH: browser })).toBe(browser)
    expect(() => findChromium({ MIMA_CHROMIUM_PATH: join(root, 'nope') })).toThrow(
      /MIMA_CHROMIUM_PATH is set to .*nope, which is not an executable file/,
    )
    // The usual places come first; with none of them on this machine, the PATH finds ours.
    const found = findChromium({ PATH: bin })
    expect(found === browser || found?.startsWith('/')).toBe(true)
  })
})

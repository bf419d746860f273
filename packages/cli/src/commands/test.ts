import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { stringValue } from '../cli/parse-args'
import { POLICY_DIRECTORY, runPolicyCheck } from './policy-files'
import { SCAN_WALK_OPTIONS, scanWithFlags } from './scan'

/** The nearest `node_modules/.bin/vitest` from `directory` upwards. */
function findVitest(directory: string): string | undefined {
  let current = resolve(directory)
  for (;;) {
    const candidate = join(current, 'node_modules', 'vitest', 'vitest.mjs')
    if (existsSync(candidate)) return candidate
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

async function runTestFile(context: CommandContext, file: string): Promise<ExitCode> {
  const path = resolve(file)
  if (!existsSync(path)) throw new RefusedError(`mima test: no such file ${file}`)
  const vitest = findVitest(dirname(path)) ?? findVitest(process.cwd())
  if (!vitest)
    throw new UsageError('mima test: vitest is not installed here', {
      hint: 'Install it (`npm i -D vitest @mima/scanner`) or run the file with your own test runner.',
    })
  context.output.info(`mima test  ·  ${file}`)
  const code = await new Promise<number>((resolveCode) => {
    const child = spawn(process.execPath, [vitest, 'run', path], {
      cwd: process.cwd(),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: context.env,
    })
    child.on('error', () => resolveCode(1))
    child.on('exit', (exitCode) => resolveCode(exitCode ?? 1))
  })
  context.output.info(`→ exit ${code === 0 ? 0 : 1}`)
  return code === 0 ? EXIT_CODES.ok : EXIT_CODES.failed
}

async function runCoverage(context: CommandContext, path: string): Promise<ExitCode> {
  const minText = stringValue(context.values, 'min')
  const min = minText === undefined ? 100 : Number(minText)
  if (!Number.isFinite(min) || min < 0 || min > 100)
    throw new UsageError(`mima test: --min must be a percentage from 0 to 100; got '${minText}'`)
  const result = await scanWithFlags(context, [path])
  const high = result.findings.filter((finding) => finding.confidence === 'high')
  const attested = high.length - result.unattested
  const pct = Math.floor(result.coverage * 1000) / 10
  const passed = pct + 1e-9 >= min
  if (context.output.json) {
    context.output.printJson({
      coverage: result.coverage,
      attested,
      total: high.length,
      unattested: high
        .filter((finding) => !finding.attested)
        .map((finding) => ({
          file: finding.file,
          line: finding.line,
          column: finding.column,
          library: finding.library,
        })),
      passed,
    })
  } else {
    context.output.line(`Attestation Coverage: ${pct}%  (${attested}/${high.length} attested)`)
    for (const finding of high.filter((entry) => !entry.attested))
      context.output.line(
        `  Unattested: ${finding.file}:${finding.line}:${finding.column}  [${finding.library}]`,
      )
    context.output.line(`Scanned in ${result.durationMs}ms`)
    context.output.line(`→ exit ${passed ? 0 : 1}`)
  }
  return passed ? EXIT_CODES.ok : EXIT_CODES.failed
}

async function runTest(context: CommandContext): Promise<ExitCode> {
  const coverage = stringValue(context.values, 'coverage')
  if (coverage !== undefined) return runCoverage(context, coverage)
  const file = context.positionals[0]
  if (file !== undefined) return runTestFile(context, file)
  const directory = resolve(stringValue(context.values, 'path') ?? POLICY_DIRECTORY)
  if (!existsSync(directory))
    throw new UsageError(
      `mima test: nothing to run (no test file given and no ${POLICY_DIRECTORY}/ directory)`,
      {
        hint: 'Run `mima init` to write governance.test.ts, or `mima policy init` for policy files.',
      },
    )
  return runPolicyCheck(context, directory)
}

/** `mima test`. */
export const testCommand: CommandSpec = {
  name: 'test',
  summary: 'Run the governance test file, check scan coverage, or run the policy files',
  usage: ['test [FILE]', 'test --coverage PATH [--min PCT]', 'test   (runs mima_policy/*.yaml)'],
  description:
    'With FILE, runs the governance test (vitest) that `mima init` wrote. With --coverage, scans PATH and\n' +
    'exits 1 below --min percent (default 100). With neither, runs the policy files in mima_policy/.',
  positionals: { min: 0, max: 1, names: '[FILE]' },
  options: {
    coverage: { type: 'string', valueName: 'PATH', description: 'Scan PATH and report attestation coverage' },
    min: {
      type: 'string',
      valueName: 'PCT',
      description: 'Coverage needed with --coverage',
      defaultLabel: '100',
    },
    path: {
      type: 'string',
      valueName: 'DIR',
      description: 'Policy directory',
      defaultLabel: POLICY_DIRECTORY,
    },
    ...SCAN_WALK_OPTIONS,
  },
  json: true,
  examples: ['mima test governance.test.ts', 'mima test --coverage src --min 90', 'mima test'],
  notes:
    'Exit codes: 0 passed, 1 failed (or file missing), 2 usage or invalid policy file, 3 server unreachable.',
  run: runTest,
}

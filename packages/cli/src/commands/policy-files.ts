// Policy files (`mima_policy/*.yaml`): `check`, `files` and `init` subcommands. This module exports a
// subcommand table; whichever `mima policy` group the CLI registers merges it in.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseListText, stringValue } from '../cli/parse-args'
import { checkPolicies, type PolicyResult } from '../policy-files/check-policies'
import {
  formatPolicyError,
  isPolicyError,
  loadPolicyFile,
  policyFilePaths,
} from '../policy-files/load-policy-files'
import { POLICY_TEMPLATE_FRAMEWORKS, policyTemplate } from '../policy-files/policy-templates'

/** The default policy directory. */
export const POLICY_DIRECTORY = 'mima_policy'

const PATH_OPTION = {
  path: {
    type: 'string' as const,
    valueName: 'DIR',
    description: 'Policy directory',
    defaultLabel: POLICY_DIRECTORY,
  },
}

function directoryOf(context: CommandContext): string {
  return resolve(stringValue(context.values, 'path') ?? POLICY_DIRECTORY)
}

function requireDirectory(context: CommandContext, directory: string): void {
  if (!existsSync(directory))
    throw new UsageError(`${context.commandPath}: no policy directory ${directory}`, {
      hint: 'Create starter policies with `mima policy init`, or point --path at your policy directory.',
    })
}

function printResults(context: CommandContext, results: readonly PolicyResult[]): void {
  const { output } = context
  const { colors } = output
  output.line('mima policy check')
  for (const result of results) {
    output.line()
    if (result.policy_name === '') {
      output.line(`  ${colors.red('✗')}  ${result.error}`)
      continue
    }
    output.line(`${result.policy_name.padEnd(45)} ${result.framework}`)
    if (result.error) output.line(`  ${colors.red('✗')}  ${result.error}`)
    for (const assertion of result.assertions) {
      const mark = assertion.passed ? colors.green('✓') : colors.red('✗')
      output.line(
        `  ${mark}  ${assertion.type.padEnd(35)} ${assertion.actual.padEnd(12)} ${assertion.passed ? 'pass' : colors.red('FAIL')}${assertion.description ? `  — ${assertion.description}` : ''}`,
      )
      if (!assertion.passed && assertion.detail)
        output.line(`        ${colors.dim(`expected ${assertion.expected}; ${assertion.detail}`)}`)
    }
  }
  const failed = results.filter((result) => !result.passed).length
  output.line()
  output.line(`${results.length - failed} passed, ${failed} failed`)
}

/**
 * Runs the policy files in `directory` and prints the outcome; exit 0 all pass, 1 an assertion
 * failed, 2 a file is invalid (line and field printed) or the directory is missing, 3 the server
 * could not be reached.
 */
export async function runPolicyCheck(
  context: CommandContext,
  directory: string,
  framework?: string,
): Promise<ExitCode> {
  requireDirectory(context, directory)
  const check = await checkPolicies(context, { directory, ...(framework ? { framework } : {}) })
  if (context.output.json) context.output.printJson(check.results)
  else if (check.results.length === 0) {
    context.output.line(`No policy files found in ${directory}/${framework ? ` for ${framework}` : ''}`)
    return EXIT_CODES.ok
  } else printResults(context, check.results)
  if (check.invalid) return EXIT_CODES.usage
  if (check.unreachable) return EXIT_CODES.unavailable
  return check.results.every((result) => result.passed) ? EXIT_CODES.ok : EXIT_CODES.failed
}

/** `mima policy files`: the policy files and their assertions, without a server. */
export async function runPolicyFileList(context: CommandContext): Promise<ExitCode> {
  const directory = directoryOf(context)
  requireDirectory(context, directory)
  const loaded = policyFilePaths(directory).map((file) => loadPolicyFile(file))
  if (context.output.json) {
    context.output.printJson(
      loaded.map((entry) =>
        isPolicyError(entry) ? { file_path: entry.file, error: formatPolicyError(entry) } : entry,
      ),
    )
    return EXIT_CODES.ok
  }
  if (loaded.length === 0) context.output.line(`No policy files found in ${directory}/`)
  for (const entry of loaded) {
    if (isPolicyError(entry)) {
      context.output.line(`${context.output.colors.red('✗')} ${formatPolicyError(entry)}`)
      continue
    }
    context.output.line(`${entry.name}  [${entry.framework}]  ${entry.file}`)
    for (const assertion of entry.assertions)
      context.output.line(`  - ${assertion.type}: ${assertion.description}`)
  }
  return EXIT_CODES.ok
}

async function runInit(context: CommandContext): Promise<ExitCode> {
  const directory = directoryOf(context)
  const text = stringValue(context.values, 'frameworks') ?? stringValue(context.values, 'framework')
  const frameworks = text ? parseListText(text) : [...POLICY_TEMPLATE_FRAMEWORKS]
  const unknown = frameworks.filter((framework) => policyTemplate(framework) === undefined)
  if (unknown.length > 0)
    throw new UsageError(`mima policy init: unknown framework(s) ${unknown.join(', ')}`, {
      hint: `Known: ${POLICY_TEMPLATE_FRAMEWORKS.join(', ')}.`,
    })
  mkdirSync(directory, { recursive: true })
  const written: string[] = []
  const skipped: string[] = []
  for (const framework of frameworks) {
    const file = join(directory, `${framework}.yaml`)
    if (existsSync(file)) {
      skipped.push(file)
      continue
    }
    writeFileSync(file, policyTemplate(framework) as string)
    written.push(file)
  }
  if (context.output.json) context.output.printJson({ written, skipped })
  else {
    for (const file of written) context.output.line(`wrote ${file}`)
    for (const file of skipped) context.output.line(`skipped ${file} (exists)`)
    context.output.line('Run `mima policy check` (or `mima test`) to evaluate them.')
  }
  return EXIT_CODES.ok
}

/** `mima policy check|files|init` for policy files (`mima_policy/*.yaml`), part of the `mima policy` group. */
export const policyFileSubcommands: readonly CommandSpec[] = [
  {
    name: 'check',
    summary: 'Evaluate the policy files (mima_policy/*.yaml): readiness, evidence, scan coverage',
    usage: ['policy check [--path DIR] [--framework SLUG] [--json]'],
    options: {
      ...PATH_OPTION,
      framework: { type: 'string', valueName: 'SLUG', description: 'Only policies for this framework' },
    },
    json: true,
    examples: ['mima policy check', 'mima policy check --framework eu_ai_act --json'],
    notes:
      'Exit codes: 0 all pass, 1 an assertion failed, 2 invalid file or no directory, 3 server unreachable.',
    run: (context) => runPolicyCheck(context, directoryOf(context), stringValue(context.values, 'framework')),
  },
  {
    name: 'files',
    summary: 'List the policy files and their assertions (no server needed)',
    usage: ['policy files [--path DIR]'],
    options: PATH_OPTION,
    json: true,
    examples: ['mima policy files'],
    run: runPolicyFileList,
  },
  {
    name: 'init',
    summary: 'Write starter policy files per framework (existing files are kept)',
    usage: ['policy init [--framework a,b] [--path DIR]'],
    options: {
      ...PATH_OPTION,
      framework: {
        type: 'string',
        valueName: 'LIST',
        description: `Frameworks (${POLICY_TEMPLATE_FRAMEWORKS.join(', ')})`,
      },
      frameworks: { type: 'string', valueName: 'LIST', description: 'Same as --framework', hidden: true },
    },
    json: true,
    examples: ['mima policy init', 'mima policy init --framework eu_ai_act,soc2_type2'],
    run: runInit,
  },
]

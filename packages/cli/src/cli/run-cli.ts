import { homedir } from 'node:os'
import { findCommand } from '../commands/registry'
import { createOutput, type Output } from '../output/output'
import { VERSION } from '../version'
import { CliError, UsageError } from './cli-error'
import type { CommandContext, CommandSpec } from './command'
import { EXIT_CODES, type ExitCode } from './exit-codes'
import { formatCommandHelp } from './help'
import { parseCommandArgs, stringValue, suggest } from './parse-args'
import { formatTopHelp } from './top-help'

/** The process pieces {@link runCli} works with (injectable for tests). */
export interface RunCliOptions {
  argv: readonly string[]
  env?: NodeJS.ProcessEnv
  stdout?: NodeJS.WritableStream
  stderr?: NodeJS.WritableStream
  stdin?: NodeJS.ReadableStream
}

const VALUE_FLAGS = new Set(['--base-url'])

/** Indexes of the tokens that name commands: the first positional, then a subcommand. */
function positionalIndexes(argv: readonly string[]): number[] {
  const indexes: number[] = []
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!
    if (token === '--') break
    if (token.startsWith('-')) {
      if (VALUE_FLAGS.has(token)) index++
      continue
    }
    indexes.push(index)
  }
  return indexes
}

function preScan(argv: readonly string[]): { json: boolean; noColor: boolean; color: boolean } {
  const end = argv.indexOf('--')
  const flags = end === -1 ? argv : argv.slice(0, end)
  return {
    json: flags.includes('--json'),
    noColor: flags.includes('--no-color'),
    color: flags.includes('--color'),
  }
}

function reportError(output: Output, error: unknown): ExitCode {
  if (CliError.isInstance(error) && error instanceof CliError) {
    if (output.json) {
      output.printJson({
        error: {
          code: error.code,
          message: error.message,
          exit_code: error.exitCode,
          ...(error.hint ? { hint: error.hint } : {}),
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.requestId === undefined ? {} : { request_id: error.requestId }),
        },
      })
    } else {
      output.info(`${output.colors.red('error:')} ${error.message}`)
      if (error.hint) output.info(output.colors.dim(error.hint))
    }
    return error.exitCode
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  if (output.json) {
    output.printJson({
      error: { code: 'internal_error', message: String(error), exit_code: EXIT_CODES.failed },
    })
  } else {
    output.info(`${output.colors.red('error:')} unexpected failure, this is a bug in mima:\n${message}`)
  }
  return EXIT_CODES.failed
}

async function dispatch(options: Required<RunCliOptions>, output: Output): Promise<ExitCode> {
  const argv = [...options.argv]
  const indexes = positionalIndexes(argv)
  const first = indexes[0]
  if (first === undefined) {
    if (argv.includes('--version') || argv.includes('-v')) {
      output.line(`mima ${VERSION}`)
      return EXIT_CODES.ok
    }
    if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
      output.line(formatTopHelp(VERSION).trimEnd())
      return EXIT_CODES.ok
    }
    const known = new Set(['--json', '--no-color', '--color', '--base-url'])
    const unknown = argv.find((token, index) => !known.has(token) && argv[index - 1] !== '--base-url')
    throw new UsageError(unknown === undefined ? 'no command given' : `unknown flag ${unknown}`, {
      hint: 'Run `mima --help` for the commands and flags.',
    })
  }
  let name = argv[first]!
  // `mima help push` is `mima push --help`.
  if (name === 'help') {
    const target = indexes[1] === undefined ? undefined : argv[indexes[1]]
    if (target === undefined) {
      output.line(formatTopHelp(VERSION).trimEnd())
      return EXIT_CODES.ok
    }
    argv.splice(first, 1)
    argv.push('--help')
    indexes.shift()
    for (let index = 0; index < indexes.length; index++) indexes[index]! -= 1
    name = target
  }
  const entry = findCommand(name)
  if (!entry) {
    const { COMMANDS } = await import('../commands/registry')
    const guess = suggest(
      name,
      COMMANDS.filter((command) => !command.hidden).map((command) => command.name),
    )
    throw new UsageError(`unknown command '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}`, {
      hint: 'Run `mima --help` for the list of commands.',
    })
  }
  const consumed = [indexes[0]!]
  let spec: CommandSpec = await entry.load()
  let path = `mima ${entry.name}`
  if (spec.subcommands) {
    const subIndex = indexes[1]
    const subName = subIndex === undefined ? undefined : argv[subIndex]
    const sub =
      subName === undefined
        ? undefined
        : spec.subcommands.find(
            (candidate) => candidate.name === subName || candidate.aliases?.includes(subName),
          )
    if (sub && subIndex !== undefined) {
      consumed.push(subIndex)
      spec = sub
      path = `${path} ${sub.name}`
    } else if (subName !== undefined) {
      const guess = suggest(
        subName,
        spec.subcommands.map((candidate) => candidate.name),
      )
      throw new UsageError(
        `${path}: unknown command '${subName}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        {
          hint: `Run \`${path} --help\` for its commands.`,
        },
      )
    } else {
      const wantsHelp = argv.includes('--help') || argv.includes('-h')
      const fallback = spec.defaultSubcommand
        ? spec.subcommands.find((candidate) => candidate.name === spec.defaultSubcommand)
        : undefined
      if (wantsHelp || !fallback) {
        output.line(formatCommandHelp(spec, path).trimEnd())
        return EXIT_CODES.ok
      }
      spec = fallback
      path = `${path} ${fallback.name}`
    }
  }
  const rest = argv.filter((_, index) => !consumed.includes(index))
  const home = options.env.HOME || homedir()
  if (spec.customParse) {
    return spec.customParse({
      commandPath: path,
      argv: rest,
      output,
      env: options.env,
      home,
      baseUrlFlag: undefined,
      stdin: options.stdin,
    })
  }
  const parsed = parseCommandArgs(rest, spec.options ?? {}, path)
  if (parsed.values.help === true) {
    output.line(formatCommandHelp(spec, path).trimEnd())
    return EXIT_CODES.ok
  }
  if (parsed.values.json === true && !spec.json) {
    throw new UsageError(`${path} has no JSON output; drop --json`)
  }
  const limits = spec.positionals ?? { min: 0, max: 0, names: '' }
  if (parsed.positionals.length < limits.min) {
    throw new UsageError(`${path}: missing ${limits.names}`, { hint: `Usage: mima ${spec.usage[0] ?? path}` })
  }
  if (parsed.positionals.length > limits.max) {
    throw new UsageError(`${path}: unexpected argument '${parsed.positionals[limits.max]}'`, {
      hint: `Usage: mima ${spec.usage[0] ?? path}`,
    })
  }
  const missing = Object.entries(spec.options ?? {})
    .filter(([flag, option]) => option.required && parsed.values[flag] === undefined)
    .map(([flag]) => `--${flag}`)
  if (missing.length > 0) {
    throw new UsageError(
      `${path}: missing required flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      {
        hint: `Run \`${path} --help\` for details.`,
      },
    )
  }
  if (!spec.run) throw new Error(`${path} has no run function`)
  const context: CommandContext = {
    commandPath: path,
    values: parsed.values,
    positionals: parsed.positionals,
    output,
    env: options.env,
    home,
    baseUrlFlag: stringValue(parsed.values, 'base-url'),
    stdin: options.stdin,
  }
  return spec.run(context)
}

/**
 * Runs `mima` with the given arguments and returns the exit code; never throws. The bin calls
 * this with `process.argv.slice(2)`.
 *
 * @example
 * ```ts
 * import { EXIT_CODES, runCli } from '@mima/cli'
 * const code = await runCli({ argv: ['gates', 'check', '--json'] })
 * if (code === EXIT_CODES.failed) console.error('a required readiness gate failed')
 * ```
 */
export async function runCli(options: RunCliOptions): Promise<ExitCode> {
  const resolved: Required<RunCliOptions> = {
    argv: options.argv,
    env: options.env ?? process.env,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    stdin: options.stdin ?? process.stdin,
  }
  const flags = preScan(resolved.argv)
  const output = createOutput({
    json: flags.json,
    noColor: flags.noColor,
    forceColor: flags.color,
    env: resolved.env,
    stdout: resolved.stdout,
    stderr: resolved.stderr,
  })
  try {
    return await dispatch(resolved, output)
  } catch (error) {
    return reportError(output, error)
  }
}

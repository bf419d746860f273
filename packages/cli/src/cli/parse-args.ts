import { parseArgs } from 'node:util'
import { UsageError } from './cli-error'
import type { OptionSpecs, OptionValues } from './command'

/** Flags every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  help: { type: 'boolean', short: 'h', description: 'Show help for the command' },
  json: { type: 'boolean', description: 'Print machine-readable JSON on stdout' },
  'no-color': { type: 'boolean', description: 'Never colour the output (also NO_COLOR=1)' },
  color: {
    type: 'boolean',
    description: 'Colour the output even when stdout is not a terminal',
    hidden: true,
  },
  'base-url': {
    type: 'string',
    valueName: 'URL',
    description: 'Server to talk to (overrides MIMA_BASE_URL and the config file)',
  },
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/** The closest candidate to `input`, when it is close enough to be a typo. */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const current = distance(input, candidate)
    if (current < bestDistance) {
      best = candidate
      bestDistance = current
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined
}

/** The result of {@link parseCommandArgs}. */
export interface ParsedArgs {
  values: OptionValues
  positionals: string[]
}

/**
 * Parses `argv` strictly with `node:util` `parseArgs`: an unknown flag, a flag without its
 * value or a value on a boolean flag is a {@link UsageError} (exit 2) that names the command.
 */
export function parseCommandArgs(
  argv: readonly string[],
  options: OptionSpecs,
  commandPath: string,
): ParsedArgs {
  const all: OptionSpecs = { ...GLOBAL_OPTIONS, ...options }
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {}
  for (const [name, spec] of Object.entries(all)) {
    config[name] = {
      type: spec.type,
      ...(spec.short === undefined ? {} : { short: spec.short }),
      ...(spec.multiple === undefined ? {} : { multiple: spec.multiple }),
    }
  }
  const hint = `Run \`${commandPath} --help\` for the flags it takes.`
  try {
    const parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true })
    return { values: parsed.values as OptionValues, positionals: parsed.positionals }
  } catch (error) {
    const code = (error as { code?: string }).code
    const message = error instanceof Error ? error.message : String(error)
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? message
      const name = flag.replace(/^-+/, '')
      const guess = suggest(
        name,
        Object.entries(all)
          .filter(([, spec]) => !spec.hidden)
          .map(([candidate]) => candidate),
      )
      throw new UsageError(
        `${commandPath}: unknown flag ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`,
        { hint },
      )
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(-[^' ]+)/.exec(message)?.[1]
      if (/argument missing|ambiguous/.test(message)) {
        throw new UsageError(`${commandPath}: flag ${flag ?? ''} needs a value`, { hint })
      }
      throw new UsageError(`${commandPath}: flag ${flag ?? ''} takes no value`, { hint })
    }
    throw new UsageError(`${commandPath}: ${message}`, { hint })
  }
}

/** A string flag's value (the last one when repeated). */
export function stringValue(values: OptionValues, name: string): string | undefined {
  const value = values[name]
  if (Array.isArray(value)) {
    const last = value[value.length - 1]
    return typeof last === 'string' ? last : undefined
  }
  return typeof value === 'string' ? value : undefined
}

/** A boolean flag's value. */
export function booleanValue(values: OptionValues, name: string): boolean {
  return values[name] === true
}

/** Parses a boolean written as `true/false/1/0/yes/no` (exit 2 otherwise). */
export function parseBooleanText(flag: string, text: string): boolean {
  const normalized = text.trim().toLowerCase()
  if (['true', '1', 'yes', 'y'].includes(normalized)) return true
  if (['false', '0', 'no', 'n'].includes(normalized)) return false
  throw new UsageError(`--${flag} must be true or false (also 1/0, yes/no), got '${text}'`)
}

/** Parses an integer flag (exit 2 when it is not one, or out of range). */
export function parseIntegerText(
  flag: string,
  text: string,
  range: { min?: number; max?: number } = {},
): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--${flag} must be a whole number, got '${text}'`)
  const value = Number.parseInt(text, 10)
  if (range.min !== undefined && value < range.min) {
    throw new UsageError(`--${flag} must be at least ${range.min}, got ${value}`)
  }
  if (range.max !== undefined && value > range.max) {
    throw new UsageError(`--${flag} must be at most ${range.max}, got ${value}`)
  }
  return value
}

/** Parses a number flag (exit 2 when it is not one). */
export function parseNumberText(flag: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${flag} must be a number, got '${text}'`)
  }
  return value
}

/** Splits a comma-separated list, dropping empty items. */
export function parseListText(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

/** Checks a value against the allowed ones (exit 2 otherwise). */
export function parseEnumText<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(text)) return text as T
  const guess = suggest(text, allowed)
  throw new UsageError(
    `--${flag} must be one of ${allowed.join(', ')}; got '${text}'${guess ? ` (did you mean ${guess}?)` : ''}`,
  )
}

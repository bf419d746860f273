import type { Output } from '../output/output'
import type { ExitCode } from './exit-codes'

/** One flag of a command, as parsed by `node:util` `parseArgs` and shown in `--help`. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** One line for `--help`. */
  description: string
  /** The placeholder shown in help for a string flag (`--url URL`). */
  valueName?: string
  /** Shown in help; the command still applies defaults itself. */
  defaultLabel?: string
  /** Listed under "Required" in help and checked before `run`. */
  required?: boolean
  /** Left out of help (aliases). */
  hidden?: boolean
}

/** Options keyed by long name (without the leading dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** Parsed flag values keyed by long name. */
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>

/** Everything a command's `run` gets. */
export interface CommandContext {
  /** `mima approvals decide`, for messages. */
  readonly commandPath: string
  readonly values: OptionValues
  readonly positionals: readonly string[]
  readonly output: Output
  readonly env: NodeJS.ProcessEnv
  /** The user's home directory (`HOME`), where `~/.mima/` lives. */
  readonly home: string
  /** `--base-url` when given. */
  readonly baseUrlFlag: string | undefined
  readonly stdin: NodeJS.ReadableStream
}

/** A leaf command (or a group when `subcommands` is set). */
export interface CommandSpec {
  readonly name: string
  readonly aliases?: readonly string[]
  readonly summary: string
  /** Usage lines without the leading `mima `. */
  readonly usage: readonly string[]
  readonly description?: string
  readonly options?: OptionSpecs
  /** How many positionals the command takes. */
  readonly positionals?: { readonly min: number; readonly max: number; readonly names: string }
  readonly examples?: readonly string[]
  /** Extra help text printed after the flags. */
  readonly notes?: string
  /** Whether `--json` changes the output (shown in help). */
  readonly json?: boolean
  readonly subcommands?: readonly CommandSpec[]
  /** The default subcommand when a group is run with only flags (`mima approvals --all`). */
  readonly defaultSubcommand?: string
  /** Commands whose flags depend on a positional (push) parse for themselves. */
  readonly customParse?: (context: CustomParseContext) => Promise<ExitCode>
  readonly run?: (context: CommandContext) => Promise<ExitCode>
}

/** What a command that parses its own flags gets. */
export interface CustomParseContext extends Omit<CommandContext, 'values' | 'positionals'> {
  readonly argv: readonly string[]
}

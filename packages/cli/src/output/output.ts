import { createColors } from 'picocolors'

/** The colour functions the CLI uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof createColors>

/** Where and how a command writes. */
export interface Output {
  /** `--json`: print one JSON document on stdout and nothing decorative. */
  readonly json: boolean
  readonly color: boolean
  readonly colors: Colors
  /** Whether stdout is a terminal (bars, live updates). */
  readonly isTTY: boolean
  /** A line on stdout (human mode). */
  line(text?: string): void
  /** A line on stderr: warnings and progress that must not pollute stdout. */
  info(text: string): void
  /** Prints `value` as indented JSON on stdout. */
  printJson(value: unknown): void
  /** One JSON value per line (streams such as `approvals watch --json`). */
  printJsonLine(value: unknown): void
  /** Bytes or text on stdout exactly as given (a report or CSV the server rendered). */
  raw(content: string | Uint8Array): void
}

/** Options for {@link createOutput}. */
export interface OutputOptions {
  json: boolean
  /** `--no-color` was given. */
  noColor: boolean
  /** `--color` was given. */
  forceColor?: boolean
  env: NodeJS.ProcessEnv
  stdout: NodeJS.WriteStream | NodeJS.WritableStream
  stderr: NodeJS.WriteStream | NodeJS.WritableStream
}

/**
 * Decides whether to colour: only when stdout is a terminal, never with `NO_COLOR` (any
 * non-empty value, see no-color.org), `--no-color`, `TERM=dumb` or `--json`; `FORCE_COLOR`
 * (non-zero) or `--color` turn it on regardless.
 */
export function shouldUseColor(options: Omit<OutputOptions, 'stderr'>): boolean {
  if (options.json || options.noColor) return false
  if (options.forceColor) return true
  const force = options.env.FORCE_COLOR
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false
  if (options.env.TERM === 'dumb') return false
  return (options.stdout as NodeJS.WriteStream).isTTY === true
}

/** Creates the {@link Output} for one run. */
export function createOutput(options: OutputOptions): Output {
  const color = shouldUseColor(options)
  const write = (stream: NodeJS.WritableStream, text: string): void => {
    stream.write(text)
  }
  return {
    json: options.json,
    color,
    colors: createColors(color),
    isTTY: (options.stdout as NodeJS.WriteStream).isTTY === true,
    line(text = '') {
      write(options.stdout, `${text}\n`)
    },
    info(text) {
      write(options.stderr, `${text}\n`)
    },
    printJson(value) {
      write(options.stdout, `${JSON.stringify(value, null, 2)}\n`)
    },
    printJsonLine(value) {
      write(options.stdout, `${JSON.stringify(value)}\n`)
    },
    raw(content) {
      options.stdout.write(content)
    },
  }
}

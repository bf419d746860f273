import { MimaError, type MimaErrorCode, type MimaErrorOptions } from '@mima/core'
import { EXIT_CODES, type ExitCode } from './exit-codes'

/** Options for a {@link CliError}: the usual {@link MimaErrorOptions} plus a hint line. */
export interface CliErrorOptions extends MimaErrorOptions {
  /** A second line telling the user what to do about it. */
  hint?: string
}

/**
 * An error the CLI reports to the user and turns into an exit code. Everything the commands
 * throw on purpose is one of these; anything else is a bug and is reported as such.
 */
export class CliError extends MimaError {
  readonly exitCode: ExitCode
  readonly hint: string | undefined

  constructor(code: MimaErrorCode, exitCode: ExitCode, message: string, options: CliErrorOptions = {}) {
    super(code, message, options)
    this.exitCode = exitCode
    this.hint = options.hint
  }
}

/** A usage error (exit 2): unknown flag, missing argument, bad value. */
export class UsageError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super('bad_request', EXIT_CODES.usage, message, options)
  }
}

/** No API key or workspace configured (exit 2). */
export class MissingCredentialsError extends CliError {
  constructor(command: string, missing: readonly string[]) {
    super(
      'config_missing',
      EXIT_CODES.usage,
      `mima ${command}: not logged in (no ${missing.join(' or ')}).`,
      {
        hint: 'Run `mima login --url <server> --api-key <key>`, or set MIMA_API_KEY, MIMA_WORKSPACE_ID and MIMA_BASE_URL.',
      },
    )
  }
}

/** The input was refused: by local validation or by the server (exit 1). */
export class RefusedError extends CliError {
  constructor(message: string, options: CliErrorOptions = {}) {
    super(options.status === 404 ? 'not_found' : 'validation_failed', EXIT_CODES.failed, message, options)
  }
}

export {
  CliError,
  type CliErrorOptions,
  MissingCredentialsError,
  RefusedError,
  UsageError,
} from './cli/cli-error'
export { EXIT_CODE_HELP, EXIT_CODES, type ExitCode } from './cli/exit-codes'
export { type RunCliOptions, runCli } from './cli/run-cli'
export {
  type ConfigSource,
  DEFAULT_BASE_URL,
  normalizeBaseUrl,
  type ResolvedConfig,
  resolveConfig,
  type StoredConfig,
} from './config/config'
export { VERSION } from './version'

/** Structured log fields. */
export type LogFields = Record<string, unknown>

/** The server's logger: one JSON object per line. */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/** Options for {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel
  /** Where lines go. Default `process.stdout.write`. */
  write?: (line: string) => void
}

/** A logger writing `{"time","level","msg",…fields}` lines. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info']
  const write = options.write ?? ((line: string) => process.stdout.write(line))
  const log =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: LogFields = {}): void => {
      if (LEVELS[level] < threshold) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`)
    }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

/** A logger that writes nothing (tests). */
export const silentLogger: Logger = createJsonLogger({ level: 'silent' })

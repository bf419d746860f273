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

/** How {@link createServerLogger} writes: `auto` is `pretty` on a terminal and `json` otherwise. */
export type LogFormat = 'auto' | 'json' | 'pretty'

/** Options for {@link createServerLogger}. */
export interface ServerLoggerOptions {
  level?: LogLevel
  /** Default `auto` (`MIMA_LOG_FORMAT` in `mima-server`). */
  format?: LogFormat
  /** Where lines go. Default `process.stdout`. */
  stream?: { write(line: string): unknown; isTTY?: boolean }
}

function formatValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text
}

/** One human-readable line: `12:04:05 info  listening url=http://127.0.0.1:8080`. */
export function formatPrettyLine(
  level: Exclude<LogLevel, 'silent'>,
  message: string,
  fields: LogFields,
  now: Date = new Date(),
): string {
  const time = now.toTimeString().slice(0, 8)
  if (message === 'request' && typeof fields.method === 'string' && typeof fields.path === 'string') {
    const { method, path, status, duration_ms: duration, request_id: _id, ...rest } = fields
    const extra = Object.entries(rest).filter(([, value]) => value !== undefined)
    const tail = extra.map(([key, value]) => ` ${key}=${formatValue(value)}`).join('')
    return `${time} ${level.padEnd(5)} ${method} ${path} ${String(status)} ${String(duration)} ms${tail}\n`
  }
  const tail = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${formatValue(value)}`)
    .join('')
  return `${time} ${level.padEnd(5)} ${message}${tail}\n`
}

/**
 * The logger `mima-server` and `mima serve` use: human-readable lines on a terminal, one JSON
 * object per line otherwise (for log collectors), or as `format` says.
 */
export function createServerLogger(options: ServerLoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stdout
  const format = options.format ?? 'auto'
  const pretty = format === 'pretty' || (format === 'auto' && stream.isTTY === true)
  if (!pretty) {
    return createJsonLogger({
      ...(options.level === undefined ? {} : { level: options.level }),
      write: (line) => stream.write(line),
    })
  }
  const threshold = LEVELS[options.level ?? 'info']
  const log =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: LogFields = {}): void => {
      if (LEVELS[level] >= threshold) stream.write(formatPrettyLine(level, message, fields))
    }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

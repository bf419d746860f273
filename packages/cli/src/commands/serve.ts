import { CliError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseIntegerText, stringValue } from '../cli/parse-args'

/** The part of `@mima/server` that `mima serve` uses. */
interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<{ url?: string; close(): Promise<void> }>
}

// A variable specifier keeps bundlers from resolving @mima/server at build time: it is an
// optional peer dependency, loaded only here.
const SERVER_MODULE = '@mima/server'

async function loadServer(): Promise<ServerModule> {
  try {
    return (await import(SERVER_MODULE)) as ServerModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@mima/server')) {
      throw new CliError(
        'config_missing',
        EXIT_CODES.usage,
        '`mima serve` needs the @mima/server package, which is not installed',
        {
          hint: 'Install it next to the CLI: `npm install -g @mima/server` (or `pnpm add -D @mima/server` in a project).',
        },
      )
    }
    throw error
  }
}

async function runServe(context: CommandContext): Promise<ExitCode> {
  const { values, env } = context
  const server = await loadServer()
  const portText = stringValue(values, 'port') ?? env.PORT
  const options: Record<string, unknown> = {}
  if (portText !== undefined) options.port = parseIntegerText('port', portText, { min: 0, max: 65535 })
  const host = stringValue(values, 'host')
  if (host !== undefined) options.host = host
  const dataDir = stringValue(values, 'data-dir')
  if (dataDir !== undefined) options.dataDir = dataDir
  const databaseUrl = stringValue(values, 'database-url')
  if (databaseUrl !== undefined) options.databaseUrl = databaseUrl
  const running = await server.startServer(options)
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await running.close()
  return EXIT_CODES.ok
}

/** `mima serve`. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'Run the Mima server and dashboard (needs @mima/server installed)',
  usage: ['serve [--port N] [--host HOST] [--data-dir DIR] [--database-url URL]'],
  description:
    'Starts the API and dashboard. With no database URL it uses an embedded PGlite database in the data\n' +
    'directory (no setup; data survives restarts). On its first start it creates a workspace and an admin\n' +
    'API key and prints them once. Stops cleanly on Ctrl-C. The server comes from the optional\n' +
    '@mima/server package, so installing the CLI alone stays small.',
  options: {
    port: { type: 'string', valueName: 'N', description: 'Port (or PORT)', defaultLabel: '8787' },
    host: {
      type: 'string',
      valueName: 'HOST',
      description: 'Interface (or HOST)',
      defaultLabel: '127.0.0.1',
    },
    'data-dir': { type: 'string', valueName: 'DIR', description: 'PGlite data directory (or MIMA_DATA_DIR)' },
    'database-url': {
      type: 'string',
      valueName: 'URL',
      description: 'PostgreSQL URL instead of PGlite (or DATABASE_URL)',
    },
  },
  examples: [
    'mima serve',
    'mima serve --port 9000 --data-dir ./mima-data',
    'DATABASE_URL=postgres://... mima serve --host 0.0.0.0',
  ],
  run: runServe,
}

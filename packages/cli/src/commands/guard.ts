import { resolve } from 'node:path'
import { MissingCredentialsError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, parseEnumText, stringValue } from '../cli/parse-args'
import { resolveConfig } from '../config/config'

const SOCKET_OPTION = {
  socket: {
    type: 'string' as const,
    valueName: 'PATH',
    description: 'Socket path',
    defaultLabel: '~/.mima/guard/guard.sock',
  },
}

function location(context: CommandContext): { socketPath?: string } {
  const socket = stringValue(context.values, 'socket')
  return socket === undefined ? {} : { socketPath: resolve(socket) }
}

async function runStart(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const mode = parseEnumText('mode', stringValue(values, 'mode') ?? 'warn', [
    'warn',
    'block',
    'report',
  ] as const)
  let forward: { baseUrl: string; apiKey: string; workspaceId?: string } | undefined
  if (booleanValue(values, 'forward')) {
    const config = await resolveConfig({
      home: context.home,
      env: context.env,
      baseUrlFlag: context.baseUrlFlag,
    })
    if (!config.apiKey) throw new MissingCredentialsError('guard start --forward', ['API key'])
    forward = {
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      ...(config.workspaceId === undefined ? {} : { workspaceId: config.workspaceId }),
    }
  }
  const { startGuardDaemon } = await import('@mima/guard')
  const daemon = await startGuardDaemon({ mode, ...location(context), ...(forward ? { forward } : {}) })
  if (output.json) {
    output.printJson(daemon)
    return EXIT_CODES.ok
  }
  output.line(
    daemon.started
      ? `Guard daemon started (PID ${daemon.pid}, mode ${daemon.mode ?? mode})`
      : `Guard daemon already running (PID ${daemon.pid})`,
  )
  output.line(`  Socket      ${daemon.socketPath}`)
  output.line(`  Log         ${daemon.logPath}`)
  output.line(
    `  Forwarding  ${daemon.forwarding?.enabled ? `to ${daemon.forwarding.url}` : 'off (start with --forward to send events to the server)'}`,
  )
  return EXIT_CODES.ok
}

async function runStop(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const { stopGuardDaemon } = await import('@mima/guard')
  const stopped = await stopGuardDaemon(location(context))
  if (output.json) output.printJson(stopped)
  else
    output.line(
      stopped.wasRunning ? `Guard daemon stopped (was PID ${stopped.pid})` : 'Guard daemon not running',
    )
  return EXIT_CODES.ok
}

async function runStatus(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const { guardDaemonStatus } = await import('@mima/guard')
  const status = await guardDaemonStatus(location(context))
  if (output.json) {
    output.printJson(status)
    return status.running ? EXIT_CODES.ok : EXIT_CODES.failed
  }
  if (!status.running) {
    output.line('Guard daemon not running (start it with `mima guard start`)')
    return EXIT_CODES.failed
  }
  const forwarding = status.forwarding
  output.line(
    `Guard daemon   running (PID ${status.pid}, mode ${status.mode ?? '?'}, since ${status.startedAt ?? '?'})`,
  )
  output.line(`Socket         ${status.socketPath}`)
  output.line(`Log            ${status.logPath}  (${status.logEntries} entries)`)
  output.line(
    `Forwarding     ${
      forwarding?.enabled
        ? `to ${forwarding.url}: ${forwarding.sent} sent, ${forwarding.pending} pending, ${forwarding.dropped} dropped${forwarding.lastError ? ` (last error: ${forwarding.lastError})` : ''}`
        : 'off (start with --forward to send events to the server)'
    }`,
  )
  output.line(`Events/hour    ${status.eventsLastHour}  (last 60 min)`)
  return EXIT_CODES.ok
}

/** `mima guard`. */
export const guardCommand: CommandSpec = {
  name: 'guard',
  summary: 'Start, stop or inspect the local guard daemon',
  usage: ['guard start [--mode warn|block|report] [--forward]', 'guard stop', 'guard status'],
  description:
    'The guard daemon is the one writer of unattested-AI-call reports from many processes on this machine\n' +
    '(~/.mima/guard_log.jsonl); with --forward it also sends them to the server, where they feed the\n' +
    'posture brief. Enforcement (warn, block, report) stays in each process: enableGuard({ mode }).',
  json: true,
  examples: ['mima guard start --forward', 'mima guard status', 'mima guard stop'],
  subcommands: [
    {
      name: 'start',
      summary: 'Start the daemon in the background',
      usage: ['guard start [--mode warn|block|report] [--forward] [--socket PATH]'],
      options: {
        mode: {
          type: 'string',
          valueName: 'MODE',
          description: 'warn, block or report (recorded in status)',
          defaultLabel: 'warn',
        },
        forward: {
          type: 'boolean',
          description: 'Forward events to the server (uses the login or MIMA_* env)',
        },
        ...SOCKET_OPTION,
      },
      json: true,
      examples: ['mima guard start', 'mima guard start --forward --mode report'],
      run: runStart,
    },
    {
      name: 'stop',
      summary: 'Stop the daemon (it flushes what it holds first)',
      usage: ['guard stop [--socket PATH]'],
      options: SOCKET_OPTION,
      json: true,
      examples: ['mima guard stop'],
      run: runStop,
    },
    {
      name: 'status',
      summary: 'Show whether the daemon runs (exit 1 when it does not)',
      usage: ['guard status [--socket PATH]'],
      options: SOCKET_OPTION,
      json: true,
      examples: ['mima guard status', 'mima guard status --json'],
      run: runStatus,
    },
  ],
}

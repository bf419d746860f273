/**
 * The guard daemon's process entry (`node dist/daemon.js --socket … --log … --pid … --mode …`),
 * spawned detached by `startGuardDaemon()`. The forwarding API key comes from the environment
 * (`MIMA_GUARD_FORWARD_API_KEY`), never from the command line, so `ps` does not show it.
 * @module
 */
import { parseArgs } from 'node:util'
import type { GuardMode } from '../guard/guard-options'
import { runGuardDaemon } from './guard-daemon'

const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    log: { type: 'string' },
    pid: { type: 'string' },
    mode: { type: 'string', default: 'warn' },
    'log-max-bytes': { type: 'string' },
    'forward-url': { type: 'string' },
    workspace: { type: 'string' },
    interval: { type: 'string' },
  },
})

const { socket, log, pid } = values
if (!socket || !log || !pid) {
  console.error(
    'usage: daemon --socket <path> --log <path> --pid <path> [--mode warn|block|report] [--forward-url <url>]',
  )
  process.exit(2)
}
const apiKey = process.env.MIMA_GUARD_FORWARD_API_KEY
const forwardUrl = values['forward-url']
if (forwardUrl && !apiKey) {
  console.error('--forward-url needs MIMA_GUARD_FORWARD_API_KEY in the environment')
  process.exit(2)
}

async function main(socket: string, log: string, pid: string): Promise<void> {
  const daemon = await runGuardDaemon({
    socketPath: socket,
    logPath: log,
    pidPath: pid,
    mode: values.mode as GuardMode,
    ...(values['log-max-bytes'] ? { logMaxBytes: Number(values['log-max-bytes']) } : {}),
    ...(forwardUrl && apiKey
      ? {
          forward: {
            baseUrl: forwardUrl,
            apiKey,
            ...(values.workspace ? { workspaceId: values.workspace } : {}),
            ...(values.interval ? { intervalMs: Number(values.interval) } : {}),
          },
        }
      : {}),
  })
  console.log(`guard daemon listening on ${socket} (pid ${process.pid})`)

  const stop = (): void => {
    daemon.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main(socket, log, pid).catch((error: unknown) => {
  console.error(`guard daemon failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})

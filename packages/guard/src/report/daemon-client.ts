import { existsSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'

/** Sends newline-delimited JSON to the guard daemon over its Unix socket. */
export interface DaemonClient {
  /** Resolves `true` once the daemon's socket accepted the lines, `false` when no daemon took them. */
  send(lines: readonly string[]): Promise<boolean>
  close(): void
}

const RETRY_AFTER_FAILURE_MS = 2000

/** A client that keeps one connection open (unref'd, so it never holds the process open). */
export function createDaemonClient(socketPath: string): DaemonClient {
  let socket: Socket | undefined
  let connecting: Promise<Socket | undefined> | undefined
  let failedAt = 0

  function connect(): Promise<Socket | undefined> {
    if (socket && !socket.destroyed) return Promise.resolve(socket)
    if (connecting) return connecting
    if (Date.now() - failedAt < RETRY_AFTER_FAILURE_MS || !existsSync(socketPath))
      return Promise.resolve(undefined)
    connecting = new Promise<Socket | undefined>((resolve) => {
      const candidate = createConnection(socketPath)
      candidate.once('connect', () => {
        candidate.unref()
        candidate.on('error', () => candidate.destroy())
        candidate.on('close', () => {
          if (socket === candidate) socket = undefined
        })
        candidate.on('data', () => undefined)
        socket = candidate
        resolve(candidate)
      })
      candidate.once('error', () => {
        failedAt = Date.now()
        candidate.destroy()
        resolve(undefined)
      })
    }).finally(() => {
      connecting = undefined
    })
    return connecting
  }

  return {
    async send(lines) {
      const connected = await connect()
      if (!connected) return false
      return new Promise<boolean>((resolve) => {
        connected.ref()
        connected.write(`${lines.join('\n')}\n`, (error) => {
          connected.unref()
          if (error) {
            failedAt = Date.now()
            connected.destroy()
          }
          resolve(!error)
        })
      })
    },
    close() {
      socket?.destroy()
      socket = undefined
    },
  }
}

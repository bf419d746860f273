import { createConnection } from 'node:net'
import type { GuardDaemonReport } from './guard-daemon'

/** Asks the daemon on `socketPath` for its status; `undefined` when none answers within `timeoutMs`. */
export function queryGuardDaemon(
  socketPath: string,
  timeoutMs = 1000,
): Promise<GuardDaemonReport | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath)
    let buffer = ''
    const finish = (value: GuardDaemonReport | undefined): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(value)
    }
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write('{"type":"status"}\n'))
    socket.on('data', (chunk: string) => {
      buffer += chunk
      const newline = buffer.indexOf('\n')
      if (newline === -1) return
      try {
        finish(JSON.parse(buffer.slice(0, newline)) as GuardDaemonReport)
      } catch {
        finish(undefined)
      }
    })
    socket.on('error', () => finish(undefined))
    socket.on('close', () => finish(undefined))
  })
}

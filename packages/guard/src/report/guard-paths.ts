import { homedir } from 'node:os'
import { join } from 'node:path'

/** `~/.mima` (follows `HOME`). */
export function mimaHome(): string {
  return join(homedir(), '.mima')
}

/** `~/.mima/guard_log.jsonl`: the log the in-process fallback and the daemon write. */
export function defaultGuardLogPath(): string {
  return join(mimaHome(), 'guard_log.jsonl')
}

/** `~/.mima/guard/guard.sock`: the daemon's socket, in a directory only the user can enter. */
export function defaultGuardSocketPath(): string {
  return join(mimaHome(), 'guard', 'guard.sock')
}

/** What a client does when the process is about to exit. */
export interface ExitParticipant {
  /** Last chance for async work (Node's `beforeExit`): try to send. */
  beforeExit(): Promise<void>
  /** Synchronous (Node's `exit`): save unsent records to disk. */
  exit(): void
}

interface ExitRegistry {
  participants: Set<ExitParticipant>
  installed: boolean
}

// One registry per process (shared by every copy of @mima/core), so the process gets one pair
// of listeners however many clients there are, and close() really removes a client.
const REGISTRY_KEY = Symbol.for('mima.exit-registry')

function registry(): ExitRegistry {
  const holder = globalThis as unknown as Record<symbol, ExitRegistry | undefined>
  let existing = holder[REGISTRY_KEY]
  if (!existing) {
    existing = { participants: new Set(), installed: false }
    Object.defineProperty(holder, REGISTRY_KEY, { value: existing, enumerable: false })
  }
  return existing
}

interface ProcessLike {
  on(event: 'beforeExit' | 'exit', listener: () => void): unknown
}

export function registerForExit(participant: ExitParticipant): void {
  const state = registry()
  state.participants.add(participant)
  if (state.installed) return
  const process = (globalThis as { process?: Partial<ProcessLike> }).process
  if (typeof process?.on !== 'function') return
  state.installed = true
  process.on('beforeExit', () => {
    for (const participant of state.participants) void participant.beforeExit()
  })
  process.on('exit', () => {
    for (const participant of state.participants) {
      try {
        participant.exit()
      } catch {
        // never block exit
      }
    }
  })
}

export function unregisterForExit(participant: ExitParticipant): void {
  registry().participants.delete(participant)
}

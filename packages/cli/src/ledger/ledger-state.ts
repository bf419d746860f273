import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SignedTreeHead } from '@mima/core'
import { mimaDirectory, writePrivateFile } from '../config/config'

/** What this machine remembers about a workspace's ledger between `mima verify` runs. */
export interface LedgerState {
  base_url: string
  workspace_id: string
  /** The server key pinned on first use (or with `--public-key`). */
  public_key: string
  /** The last tree head that verified completely. */
  last_head?: SignedTreeHead
  verified_at?: string
}

/** `~/.mima/ledger/<host>_<port>_<workspace>.json`. */
export function ledgerStatePath(home: string, baseUrl: string, workspaceId: string): string {
  const url = new URL(baseUrl)
  const name = `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}${url.pathname.replace(/\//g, '_')}_${workspaceId}`
  return join(mimaDirectory(home), 'ledger', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`)
}

/** Reads the stored state, `undefined` when this machine never verified the workspace. */
export async function readLedgerState(path: string): Promise<LedgerState | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LedgerState
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Saves the state (mode 0600). */
export async function writeLedgerState(path: string, state: LedgerState): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(state, null, 2)}\n`)
}

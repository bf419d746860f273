import { verifyAsync } from '@noble/ed25519'
import { hexToBytes } from './merkle'

/** The signed part of a tree head. */
export interface TreeHead {
  workspace_id: string
  /** Number of leaves. */
  tree_size: number
  /** Lowercase hex RFC 9162 root hash. */
  root_hash: string
  /** ISO-8601 time the server signed the head. */
  timestamp: string
}

/** A tree head as the server serves it (`GET …/ledger/tree-head`). */
export interface SignedTreeHead extends TreeHead {
  /** Always `ed25519`. */
  algorithm: 'ed25519'
  /** Lowercase hex Ed25519 signature over {@link signedTreeHeadMessage}. */
  signature: string
  /** Lowercase hex Ed25519 public key of the server (informational: pin the key you trust). */
  public_key: string
}

/** Version tag inside every signed tree-head message. */
export const TREE_HEAD_VERSION = 'mima-sth/1'

/**
 * The exact bytes (as a string, UTF-8) the server signs for a tree head: RFC 8785 canonical JSON
 * of `{ root_hash, timestamp, tree_size, v, workspace_id }`.
 */
export function signedTreeHeadMessage(head: TreeHead): string {
  return JSON.stringify({
    root_hash: head.root_hash,
    timestamp: head.timestamp,
    tree_size: head.tree_size,
    v: TREE_HEAD_VERSION,
    workspace_id: head.workspace_id,
  })
}

/**
 * Checks a signed tree head against the server key you trust (hex or 32 bytes). Use the key you
 * pinned, not the `public_key` the head carries, or the check proves nothing.
 *
 * @example
 * ```ts
 * const head = await (await fetch(`${base}/api/workspaces/${ws}/ledger/tree-head`, { headers })).json()
 * if (!(await verifySignedTreeHead(head, pinnedServerKey))) throw new Error('forged tree head')
 * ```
 */
export async function verifySignedTreeHead(
  head: SignedTreeHead,
  publicKey: string | Uint8Array,
): Promise<boolean> {
  try {
    if (head.algorithm !== 'ed25519') return false
    if (!Number.isSafeInteger(head.tree_size) || head.tree_size < 0) return false
    if (!/^[0-9a-f]{64}$/.test(head.root_hash)) return false
    const key = typeof publicKey === 'string' ? hexToBytes(publicKey) : publicKey
    const message = new TextEncoder().encode(signedTreeHeadMessage(head))
    return await verifyAsync(hexToBytes(head.signature), message, key)
  } catch {
    return false
  }
}

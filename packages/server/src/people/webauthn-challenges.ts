import { randomUUID } from 'node:crypto'
import type { Queryable } from '../storage/database'

/** How long a WebAuthn ceremony may take from options to answer (5 minutes). */
export const CHALLENGE_TTL_MS: number = 5 * 60 * 1000

/** What a ceremony is for, and what it was bound to when its options were issued. */
export interface PendingChallenge {
  challengeId: string
  purpose: 'register' | 'sign_in' | 'approval'
  /** The base64url challenge the authenticator must sign. */
  challenge: string
  userId: string | null
  workspaceId: string | null
  inviteId: string | null
  approvalId: string | null
  decision: string | null
}

/**
 * Stores a ceremony's challenge (in the database, so any replica can finish it) and drops expired
 * ones. Returns the id the browser sends back with its answer.
 */
export async function saveChallenge(
  database: Queryable,
  challenge: Omit<PendingChallenge, 'challengeId'>,
  now: Date = new Date(),
): Promise<string> {
  const challengeId = randomUUID()
  await database.query('delete from people_webauthn_challenges where expires_at <= $1', [now.toISOString()])
  await database.query(
    `insert into people_webauthn_challenges
       (challenge_id, purpose, challenge, user_id, workspace_id, invite_id, approval_id, decision, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      challengeId,
      challenge.purpose,
      challenge.challenge,
      challenge.userId,
      challenge.workspaceId,
      challenge.inviteId,
      challenge.approvalId,
      challenge.decision,
      new Date(now.getTime() + CHALLENGE_TTL_MS).toISOString(),
    ],
  )
  return challengeId
}

/**
 * Takes a live challenge of `purpose` out of the store: each can be answered once (a replayed
 * answer finds nothing). Undefined when unknown, used, expired or issued for another purpose.
 */
export async function takeChallenge(
  database: Queryable,
  challengeId: unknown,
  purpose: PendingChallenge['purpose'],
  now: Date = new Date(),
): Promise<PendingChallenge | undefined> {
  if (typeof challengeId !== 'string' || !/^[0-9a-f-]{36}$/.test(challengeId)) return undefined
  const { rows } = await database.query<{
    challenge_id: string
    purpose: PendingChallenge['purpose']
    challenge: string
    user_id: string | null
    workspace_id: string | null
    invite_id: string | null
    approval_id: string | null
    decision: string | null
  }>(
    `delete from people_webauthn_challenges where challenge_id = $1 and purpose = $2 and expires_at > $3
     returning challenge_id, purpose, challenge, user_id, workspace_id, invite_id, approval_id, decision`,
    [challengeId, purpose, now.toISOString()],
  )
  const row = rows[0]
  if (row === undefined) return undefined
  return {
    challengeId: row.challenge_id,
    purpose: row.purpose,
    challenge: row.challenge,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    inviteId: row.invite_id,
    approvalId: row.approval_id,
    decision: row.decision,
  }
}

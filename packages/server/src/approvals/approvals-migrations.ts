import type { Migration } from '../storage/migrations'

/** The approvals schema (020–029). Every key leads with `workspace_id`. */
export const APPROVALS_MIGRATIONS: readonly Migration[] = [
  {
    id: '020_approvals',
    sql: `
      create table approvals (
        workspace_id text not null,
        approval_id text not null,
        action_type text not null,
        context jsonb not null,
        context_hash text not null,
        description text,
        system_name text,
        agent_name text,
        approver_hint text,
        status text not null default 'pending'
          check (status in ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
        requested_by_key_id text not null,
        requested_by text not null,
        requested_at timestamptz not null,
        expires_at timestamptz not null,
        decided_by_key_id text,
        decided_by text,
        decided_at timestamptz,
        reason text,
        decision_leaf_index bigint,
        token_expires_at timestamptz,
        consumed_at timestamptz,
        consumed_by text,
        primary key (workspace_id, approval_id)
      );
      create index approvals_by_status on approvals (workspace_id, status, requested_at);
      create index approvals_pending_expiry on approvals (expires_at) where status = 'pending'
    `,
  },
  {
    // Redemption: an SDK redeems the token before the action runs (consumed_at, redeemed_at are
    // set; consumed_by stays null), and the attestation that follows links it (consumed_by).
    id: '021_approval_redemptions',
    sql: `
      alter table approvals add column redeemed_at timestamptz;
      alter table approvals add column redeemed_by_key_id text;
      alter table approvals add column redemption_id text
    `,
  },
  {
    // The person an agent acts for (the client's authorisedBy identity), shown to approvers next
    // to the requesting key's name.
    id: '022_approval_requested_for',
    sql: 'alter table approvals add column requested_for text',
  },
]

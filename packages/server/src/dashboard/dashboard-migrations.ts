import { PEOPLE_MIGRATIONS } from '../people/people-migrations'
import type { Migration } from '../storage/migrations'

/**
 * The dashboard's schema: sign-in sessions (040–049) and people — users, invites, passkeys, signed
 * approvals (080–084). Keys lead with `workspace_id`.
 */
export const DASHBOARD_MIGRATIONS: readonly Migration[] = [
  {
    id: '040_dashboard_sessions',
    sql: `
      create table dashboard_sessions (
        workspace_id text not null,
        session_id text not null,
        token_hash text not null,
        key_id text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        primary key (workspace_id, session_id)
      );
      create unique index dashboard_sessions_token on dashboard_sessions (token_hash);
      create index dashboard_sessions_expiry on dashboard_sessions (expires_at)
    `,
  },
  ...PEOPLE_MIGRATIONS,
]

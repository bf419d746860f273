import type { Migration } from '../storage/migrations'

/**
 * The people schema (080–083; 084 is the gate-check history in `grc-migrations.ts`): users and their workspace memberships, invites, passkeys and
 * WebAuthn challenges, passkey-signed approval decisions, password and OIDC sign-in.
 * Workspace-scoped keys lead with `workspace_id`; a user (one email, one set of passkeys) may be a
 * member of several workspaces, each membership with its own role.
 */
export const PEOPLE_MIGRATIONS: readonly Migration[] = [
  {
    id: '080_people_users',
    sql: `
      create table people_users (
        user_id text primary key,
        email text not null,
        display_name text not null,
        password_hash text,
        created_at timestamptz not null default now(),
        disabled_at timestamptz
      );
      create unique index people_users_email on people_users (lower(email));
      create table people_members (
        workspace_id text not null,
        user_id text not null references people_users (user_id),
        role text not null check (role in ('viewer', 'approver', 'compliance', 'admin')),
        added_at timestamptz not null default now(),
        added_by text not null,
        primary key (workspace_id, user_id)
      );
      create index people_members_user on people_members (user_id);
      alter table api_keys add column created_by_user_id text;
      alter table dashboard_sessions add column user_id text;
      alter table dashboard_sessions alter column key_id drop not null
    `,
  },
  {
    id: '081_people_invites',
    sql: `
      create table people_invites (
        workspace_id text not null,
        invite_id text not null,
        email text not null,
        role text not null check (role in ('viewer', 'approver', 'compliance', 'admin')),
        token_hash text not null,
        created_by text not null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        accepted_at timestamptz,
        accepted_by_user_id text,
        revoked_at timestamptz,
        primary key (workspace_id, invite_id)
      );
      create unique index people_invites_token on people_invites (token_hash)
    `,
  },
  {
    id: '082_people_passkeys',
    sql: `
      create table people_passkeys (
        credential_id text primary key,
        user_id text not null references people_users (user_id),
        public_key text not null,
        counter bigint not null default 0,
        transports text not null default '',
        device_type text not null,
        backed_up boolean not null,
        name text not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz
      );
      create index people_passkeys_user on people_passkeys (user_id);
      create table people_webauthn_challenges (
        challenge_id text primary key,
        purpose text not null check (purpose in ('register', 'sign_in', 'approval')),
        challenge text not null,
        user_id text,
        workspace_id text,
        invite_id text,
        approval_id text,
        decision text,
        expires_at timestamptz not null
      );
      create index people_webauthn_challenges_expiry on people_webauthn_challenges (expires_at)
    `,
  },
  {
    // The WebAuthn assertion a person's authenticator made over an approval's action digest, kept
    // with the decision (and committed to by its ledger leaf) so an auditor can verify it later;
    // failed password attempts (the throttle) and single sign-on identities and pending logins.
    id: '083_approval_signatures_and_sign_in',
    sql: `
      create table approval_passkey_signatures (
        workspace_id text not null,
        approval_id text not null,
        user_id text not null,
        credential_id text not null,
        public_key text not null,
        decision text not null check (decision in ('approved', 'rejected')),
        action_digest text not null,
        rp_id text not null,
        origin text not null,
        authenticator_data text not null,
        client_data_json text not null,
        signature text not null,
        user_handle text,
        signed_at timestamptz not null,
        primary key (workspace_id, approval_id)
      );
      create table people_sign_in_failures (
        subject text not null,
        failed_at timestamptz not null
      );
      create index people_sign_in_failures_subject on people_sign_in_failures (subject, failed_at);
      create table people_oidc_identities (
        issuer text not null,
        subject text not null,
        user_id text not null references people_users (user_id),
        created_at timestamptz not null default now(),
        primary key (issuer, subject)
      );
      create table people_oidc_states (
        state text primary key,
        code_verifier text not null,
        nonce text not null,
        expires_at timestamptz not null
      )
    `,
  },
]

import type { Child } from 'hono/jsx'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { USER_ROLES } from '../http/context'
import type { Invite } from '../people/invite-store'
import type { Passkey } from '../people/passkey-store'
import type { Member, Membership, User } from '../people/user-store'
import { DataTable, Document, Layout, Notice, RejectForm, ShortId, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

/** The management area's sections. */
export type ManageSection = 'keys' | 'webhooks' | 'gates' | 'users' | 'guard'

const MANAGE_SECTIONS: readonly { id: ManageSection; label: string; href: string }[] = [
  { id: 'keys', label: 'API keys', href: '/dashboard/manage/keys' },
  { id: 'webhooks', label: 'Webhooks', href: '/dashboard/manage/webhooks' },
  { id: 'gates', label: 'Gates', href: '/dashboard/manage/gates' },
  { id: 'users', label: 'Users and invites', href: '/dashboard/manage/users' },
  { id: 'guard', label: 'Unattested calls', href: '/dashboard/manage/guard' },
]

/** A management page: the layout with the management sub-navigation. */
export function ManageLayout(props: {
  session: DashboardSession
  section: ManageSection
  title: string
  error?: string | undefined
  notice?: string | undefined
  children?: Child
}): JSX.Element {
  return (
    <Layout session={props.session} section="manage" title={props.title}>
      <h1>{props.title}</h1>
      <nav class="subnav" aria-label="Manage">
        {MANAGE_SECTIONS.map((section) => (
          <a href={section.href} aria-current={section.id === props.section ? 'page' : undefined}>
            {section.label}
          </a>
        ))}
      </nav>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      {props.notice === undefined ? null : <Notice kind="ok">{props.notice}</Notice>}
      {props.children}
    </Layout>
  )
}

function RoleSelect(props: { name: string; id: string; value?: string; label: string }): JSX.Element {
  return (
    <select name={props.name} id={props.id} aria-label={props.label}>
      {USER_ROLES.map((role) => (
        <option value={role} selected={role === props.value}>
          {role}
        </option>
      ))}
    </select>
  )
}

/** Users and invites: members with their roles, open invites, and the invite form. */
export function UsersPage(props: {
  session: DashboardSession
  members: readonly Member[]
  invites: readonly Invite[]
  /** A link just created: shown once. */
  created?: { invite: Invite; link: string } | undefined
  error?: string | undefined
  notice?: string | undefined
}): JSX.Element {
  return (
    <ManageLayout
      session={props.session}
      section="users"
      title="Users and invites"
      error={props.error}
      notice={props.notice}
    >
      {props.created === undefined ? null : (
        <section class="card" id="invite-created">
          <h2>Invite link for {props.created.invite.email}</h2>
          <p class="muted small">
            We send no mail: give this one-time link to {props.created.invite.email} yourself. It is shown
            only now, works once, and expires <Time value={props.created.invite.expiresAt} />.
          </p>
          <code class="secret" id="invite-link">
            {props.created.link}
          </code>
        </section>
      )}
      <section class="card">
        <h2>Invite someone</h2>
        <form method="post" action="/dashboard/manage/users/invite" class="inline" id="invite-form">
          <input name="email" type="email" maxlength={254} required placeholder="email" aria-label="Email" />
          <RoleSelect name="role" id="invite-role" value="approver" label="Role" />
          <button class="primary" type="submit">
            Create invite link
          </button>
        </form>
        <p class="muted small">
          viewer reads · approver also decides approvals · compliance also manages evidence and reports ·
          admin manages everything.
        </p>
      </section>
      <section class="card">
        <h2>Members ({props.members.length})</h2>
        <DataTable
          id="members"
          headings={['Name', 'Email', 'Role', 'Sign-in', 'Added', '']}
          rows={props.members}
          row={(member) => (
            <tr data-user-id={member.userId}>
              <td class="wrap">{member.displayName}</td>
              <td class="wrap">{member.email}</td>
              <td>
                <form
                  method="post"
                  action={`/dashboard/manage/users/${encodeURIComponent(member.userId)}/role`}
                  class="inline"
                >
                  <RoleSelect
                    name="role"
                    id={`role-${member.userId}`}
                    value={member.role}
                    label={`Role of ${member.email}`}
                  />
                  <button type="submit">Change</button>
                </form>
              </td>
              <td>
                {member.passkeys > 0 ? <span class="badge ok">{`${member.passkeys} passkey(s)`}</span> : null}{' '}
                {member.hasPassword ? <span class="badge">password</span> : null}
              </td>
              <td>
                <Time value={member.addedAt} />
              </td>
              <td>
                <RejectForm
                  action={`/dashboard/manage/users/${encodeURIComponent(member.userId)}/remove`}
                  label="Remove"
                />
              </td>
            </tr>
          )}
          empty="No people yet: only API keys sign in to this workspace."
        />
      </section>
      <section class="card">
        <h2>Open invites ({props.invites.length})</h2>
        <DataTable
          id="invites"
          headings={['Email', 'Role', 'By', 'Expires', '']}
          rows={props.invites}
          row={(invite) => (
            <tr data-invite-id={invite.inviteId}>
              <td class="wrap">{invite.email}</td>
              <td>{invite.role}</td>
              <td class="wrap">{invite.createdBy}</td>
              <td>
                <Time value={invite.expiresAt} />
              </td>
              <td>
                <form
                  method="post"
                  action={`/dashboard/manage/users/invites/${encodeURIComponent(invite.inviteId)}/revoke`}
                >
                  <button type="submit">Revoke</button>
                </form>
              </td>
            </tr>
          )}
          empty="No open invites."
        />
      </section>
    </ManageLayout>
  )
}

/** The page an invite link opens: register a passkey (or set a password), or join as an existing user. */
export function InvitePage(props: {
  invite: Invite
  token: string
  /** The invited email already has an account. */
  existingUser: boolean
  /** That account is the one signed in now. */
  signedInAsInvitee: boolean
  error?: string | undefined
}): JSX.Element {
  const { invite } = props
  const base = `/dashboard/invite/${encodeURIComponent(props.token)}`
  return (
    <Document title="Accept invite">
      <main class="login">
        <div class="card" id="invite" data-invite-base={base}>
          <h1>Join {invite.workspaceName}</h1>
          <p>
            You are invited as <strong>{invite.email}</strong> with the role <strong>{invite.role}</strong>.
          </p>
          {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
          <div id="passkey-error" role="alert" hidden></div>
          {props.existingUser ? (
            props.signedInAsInvitee ? (
              <form method="post" action={`${base}/join`}>
                <button class="primary" type="submit" id="join-workspace">
                  Join {invite.workspaceName}
                </button>
              </form>
            ) : (
              <p>
                {invite.email} already has an account. <a href="/dashboard/login">Sign in</a> as{' '}
                {invite.email}, then open this link again.
              </p>
            )
          ) : (
            <>
              <label for="display_name">Your name</label>
              <input id="display_name" name="display_name" maxlength={100} autocomplete="name" />
              <button class="primary" type="button" id="register-passkey" data-register-passkey="">
                Create a passkey and join
              </button>
              <p class="or">or set a password</p>
              <form method="post" action={`${base}/password`} id="invite-password-form">
                <input type="hidden" name="display_name" id="password_display_name" />
                <label for="new_password">Password (at least 12 characters)</label>
                <input
                  id="new_password"
                  name="password"
                  type="password"
                  autocomplete="new-password"
                  minlength={12}
                  maxlength={256}
                  required
                />
                <button type="submit">Join with a password</button>
              </form>
            </>
          )}
        </div>
      </main>
    </Document>
  )
}

/** The signed-in person's account: passkeys (add one) and password. */
export function AccountPage(props: {
  session: DashboardSession
  user: User
  passkeys: readonly Passkey[]
  memberships: readonly Membership[]
  error?: string | undefined
  notice?: string | undefined
}): JSX.Element {
  const current = props.session.principal.workspaceId
  return (
    <Layout session={props.session} section="account" title="Your account">
      <h1>Your account</h1>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      {props.notice === undefined ? null : <Notice kind="ok">{props.notice}</Notice>}
      <div id="passkey-error" role="alert" hidden></div>
      <section class="card">
        <dl class="kv">
          <dt>Name</dt>
          <dd>{props.user.displayName}</dd>
          <dt>Email</dt>
          <dd>{props.user.email}</dd>
          <dt>Role here</dt>
          <dd>{props.session.principal.role}</dd>
        </dl>
      </section>
      {props.memberships.length < 2 ? null : (
        <section class="card">
          <h2>Your workspaces</h2>
          <table id="workspaces">
            <tbody>
              {props.memberships.map((membership) => (
                <tr data-workspace-id={membership.workspaceId}>
                  <td class="wrap">{membership.workspaceName}</td>
                  <td>{membership.role}</td>
                  <td>
                    {membership.workspaceId === current ? (
                      <span class="badge info">current</span>
                    ) : (
                      <form method="post" action="/dashboard/account/workspace">
                        <input type="hidden" name="workspace_id" value={membership.workspaceId} />
                        <button type="submit">Switch</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section class="card">
        <h2>Passkeys ({props.passkeys.length})</h2>
        <p class="muted small">
          With a passkey, every approval you decide is signed by your authenticator over the exact action, and
          anyone can check that signature later.
        </p>
        <DataTable
          id="passkeys"
          headings={['Name', 'Credential', 'Added', 'Last used']}
          rows={props.passkeys}
          row={(passkey) => (
            <tr>
              <td>{passkey.name}</td>
              <td>
                <ShortId id={passkey.credentialId} />
              </td>
              <td>
                <Time value={passkey.createdAt} />
              </td>
              <td>
                <Time value={passkey.lastUsedAt} />
              </td>
            </tr>
          )}
          empty={null}
        />
        <button type="button" class="primary" id="add-passkey" data-add-passkey="">
          Add a passkey
        </button>
      </section>
      <section class="card">
        <h2>{props.user.hasPassword ? 'Change your password' : 'Set a password'}</h2>
        <form method="post" action="/dashboard/account/password" class="stack">
          <label>
            New password (at least 12 characters)
            <input
              name="password"
              type="password"
              autocomplete="new-password"
              minlength={12}
              maxlength={256}
              required
            />
          </label>
          <button type="submit">Save password</button>
        </form>
      </section>
    </Layout>
  )
}

import type { Ledger } from '../ledger/ledger'
import type { Database } from '../storage/database'
import { insertApiKey, insertWorkspace } from '../workspaces/workspace-store'

/** What the first start created. */
export interface BootstrapResult {
  workspaceId: string
  /** The admin key, shown this once. */
  adminKey: string
}

const BOOTSTRAP_LOCK = 0x6d696d62

/**
 * On an empty database, creates the bootstrap (root) workspace and its admin key; returns
 * undefined when a workspace already exists. Safe when several processes start together.
 */
export async function bootstrapIfEmpty(
  database: Database,
  ledger: Ledger,
  options: { apiKey?: string; workspaceId?: string } = {},
): Promise<BootstrapResult | undefined> {
  return database.transaction(async (transaction) => {
    await transaction.query('select pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK])
    const { rows } = await transaction.query('select 1 from workspaces limit 1')
    if (rows.length > 0) return undefined
    const workspace = await insertWorkspace(transaction, ledger, {
      ...(options.workspaceId === undefined ? {} : { id: options.workspaceId }),
      name: 'default',
      isRoot: true,
    })
    const key = await insertApiKey(transaction, ledger, {
      workspaceId: workspace.id,
      name: 'bootstrap admin',
      role: 'admin',
      ...(options.apiKey === undefined ? {} : { key: options.apiKey }),
    })
    return { workspaceId: workspace.id, adminKey: key.key }
  })
}

/** Draws `lines` in a box, so the one-time key stands apart from the log lines around it. */
export function boxed(lines: readonly string[]): string {
  const width = Math.max(...lines.map((line) => line.length))
  const rule = '─'.repeat(width + 2)
  return [`┌${rule}┐`, ...lines.map((line) => `│ ${line.padEnd(width)} │`), `└${rule}┘`].join('\n')
}

/**
 * The message printed once (on stderr, apart from the logs) after bootstrapping: the workspace,
 * the admin key in a box, and the next commands to run with it.
 */
export function bootstrapMessage(result: BootstrapResult, url: string, keyFromEnvironment: boolean): string {
  const key = keyFromEnvironment ? '(the value of MIMA_BOOTSTRAP_API_KEY)' : result.adminKey
  const box = boxed([
    'Mima server: first start. Created the default workspace and an admin API key.',
    '',
    `  workspace id  ${result.workspaceId}`,
    `  admin key     ${key}`,
    '',
    keyFromEnvironment
      ? "Only the key's hash is kept."
      : 'Shown once: copy the key now. Only its hash is kept; lost it? See `mima-server recover-admin-key`.',
  ])
  return [
    '',
    box,
    'Next:',
    `  Dashboard   ${url}/dashboard (sign in with the admin key or an approver key)`,
    `  CLI         pnpm mima login --url ${url} --api-key <admin key>   (or \`mima login\` when installed)`,
    `  SDK         export MIMA_BASE_URL=${url} MIMA_WORKSPACE_ID=${result.workspaceId} MIMA_API_KEY=<admin key>`,
    `  HTTP        curl -H "Authorization: Bearer $MIMA_API_KEY" ${url}/api/me`,
    '',
  ].join('\n')
}

/** The ledger page and its "verify the whole ledger" form. */
import type { Hono } from 'hono'
import type { AppEnv } from '../http/context'
import type { DashboardContext, DashboardKit } from './dashboard-kit'
import { type LedgerVerification, latestLeaves, verifyLedger } from './dashboard-queries'
import { LedgerPage } from './ledger-page'
import type { DashboardSession } from './session-store'

/** `/dashboard/ledger` and `POST /dashboard/ledger/verify`. */
export function registerLedgerPages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { database, ledger } = kit.server

  const renderLedger = async (
    c: DashboardContext,
    session: DashboardSession,
    verification?: LedgerVerification,
  ): Promise<Response> => {
    const { workspaceId } = session.principal
    const head = verification?.head ?? (await ledger.treeHead(database, workspaceId))
    const leaves = await latestLeaves(database, ledger, workspaceId, head.tree_size, 20)
    return kit.html(
      c,
      <LedgerPage session={session} head={head} leaves={leaves} verification={verification} />,
    )
  }

  api.get(
    '/dashboard/ledger',
    kit.page((c, session) => renderLedger(c, session)),
  )

  api.post(
    '/dashboard/ledger/verify',
    kit.form(async (c, session) => {
      const verification = await verifyLedger(database, ledger, session.principal.workspaceId)
      return renderLedger(c, session, verification)
    }),
  )
}

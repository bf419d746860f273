import type { Session } from '../cli/session'
import { ApiError } from '../http/api-client'
import type { LedgerLeafRecord } from './ledger-checks'
import type { ServedRecord } from './record-binding'

const PAGE = 1000

type Wire = Record<string, unknown> & { leaf_index?: unknown; record?: unknown }

function toServed(kind: ServedRecord['kind'], id: string, wire: Wire): ServedRecord {
  const record =
    typeof wire.record === 'object' && wire.record !== null ? (wire.record as Record<string, unknown>) : null
  return { kind, id, leafIndex: Number(wire.leaf_index), record, fields: wire }
}

/** Every attestation and evidence record the server serves for the workspace, page by page. */
export async function fetchServedRecords(session: Session): Promise<ServedRecord[]> {
  const served: ServedRecord[] = []
  const sources = [
    { kind: 'attestation', path: 'governance/attestations', list: 'attestations', id: 'attestation_id' },
    { kind: 'evidence', path: 'governance/grc/evidence', list: 'records', id: 'record_id' },
  ] as const
  for (const source of sources) {
    let cursor: string | undefined
    do {
      const page = await session.api.request<Record<string, unknown> & { next_cursor?: string | null }>(
        'GET',
        session.api.workspacePath(source.path),
        { query: { limit: PAGE, ...(cursor === undefined ? {} : { cursor }) }, timeoutMs: 60_000 },
      )
      const items = (page[source.list] ?? page.evidence ?? []) as Wire[]
      for (const item of items) served.push(toServed(source.kind, String(item[source.id]), item))
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
  }
  return served
}

/** The served record `id` of `kind`, or undefined when the server no longer has it. */
export async function fetchServedRecord(
  session: Session,
  kind: string,
  id: string,
): Promise<ServedRecord | undefined> {
  const path =
    kind === 'attestation'
      ? `governance/attestations/${encodeURIComponent(id)}`
      : kind === 'evidence'
        ? `governance/grc/evidence/${encodeURIComponent(id)}`
        : undefined
  if (path === undefined) return undefined
  try {
    const wire = await session.api.request<Wire>('GET', session.api.workspacePath(path))
    return toServed(kind as ServedRecord['kind'], id, wire)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined
    throw error
  }
}

/** One leaf by index (`GET …/ledger/leaves/{index}`), or undefined when the ledger lacks it. */
export async function fetchLeaf(session: Session, index: number): Promise<LedgerLeafRecord | undefined> {
  try {
    return await session.api.request<LedgerLeafRecord>(
      'GET',
      session.api.workspacePath(`ledger/leaves/${index}`),
    )
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 409)) return undefined
    throw error
  }
}

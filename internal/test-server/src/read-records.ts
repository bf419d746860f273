import type { TestServer } from './index'

/** An attestation as the server serves it: the record as received plus the server's fields. */
export type ServedAttestation = Record<string, unknown> & {
  readonly tool_name: string
  readonly input_hash: string
  readonly output_hash: string
  readonly idempotency_key?: string
  readonly parent_idempotency_key?: string
  readonly metadata?: Record<string, unknown>
}

async function readAll<T>(server: TestServer, path: string, field: string): Promise<T[]> {
  const items: T[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? 'limit=1000' : `limit=1000&cursor=${encodeURIComponent(cursor)}`
    const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/${path}?${query}`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    })
    if (response.status !== 200)
      throw new Error(`GET ${path} failed: ${response.status} ${await response.text()}`)
    const page = (await response.json()) as Record<string, unknown> & { next_cursor: string | null }
    items.push(...(page[field] as T[]))
    cursor = page.next_cursor
  } while (cursor !== null)
  return items
}

/** Every attestation the test server stored in its workspace, oldest first. */
export async function readAttestations(server: TestServer): Promise<ServedAttestation[]> {
  const items = await readAll<ServedAttestation>(server, 'governance/attestations', 'attestations')
  return items.sort((a, b) => String(a.executed_at ?? '').localeCompare(String(b.executed_at ?? '')))
}

/** Every GRC evidence record the test server stored in its workspace. */
export async function readEvidence(server: TestServer): Promise<Record<string, unknown>[]> {
  return readAll<Record<string, unknown>>(server, 'governance/grc/evidence', 'records')
}

import { sha256Hex, uuidv7 } from '@mima/core'
import type { Queryable } from '../storage/database'
import type { Migration } from '../storage/migrations'

/** The scanner feature's schema (090–099): AI bills of materials pushed as evidence for a system. */
export const SCANNER_MIGRATIONS: readonly Migration[] = [
  {
    id: '090_ai_boms',
    sql: `
      create table ai_boms (
        workspace_id text not null,
        bom_id text not null,
        system_name text not null,
        spec_version text not null,
        serial_number text,
        digest text not null,
        components integer not null,
        services integer not null,
        bom json not null,
        received_at timestamptz not null default now(),
        primary key (workspace_id, bom_id)
      );
      create index ai_boms_system on ai_boms (workspace_id, system_name, received_at)
    `,
  },
]

/** A stored AI BOM's summary. */
export interface StoredAiBom {
  bom_id: string
  system_name: string
  spec_version: string
  serial_number: string | null
  digest: string
  components: number
  services: number
  received_at: string
}

/** Stores a CycloneDX BOM for a system; `digest` is the SHA-256 of the body as received. */
export async function insertAiBom(
  database: Queryable,
  workspaceId: string,
  input: { systemName: string; bom: Record<string, unknown>; text: string },
): Promise<StoredAiBom> {
  const components = Array.isArray(input.bom.components) ? input.bom.components.length : 0
  const services = Array.isArray(input.bom.services) ? input.bom.services.length : 0
  const serial = typeof input.bom.serialNumber === 'string' ? input.bom.serialNumber : null
  const { rows } = await database.query<StoredAiBom>(
    `insert into ai_boms (workspace_id, bom_id, system_name, spec_version, serial_number, digest, components, services, bom)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9::json)
     returning bom_id, system_name, spec_version, serial_number, digest, components, services, received_at`,
    [
      workspaceId,
      uuidv7(),
      input.systemName,
      String(input.bom.specVersion),
      serial,
      sha256Hex(input.text),
      components,
      services,
      input.text,
    ],
  )
  return toStored(rows[0] as StoredAiBom)
}

/** The latest BOMs (summaries), newest first, optionally for one system. */
export async function listAiBoms(
  database: Queryable,
  workspaceId: string,
  systemName?: string,
): Promise<StoredAiBom[]> {
  const { rows } = await database.query<StoredAiBom>(
    `select bom_id, system_name, spec_version, serial_number, digest, components, services, received_at
     from ai_boms where workspace_id = $1 and ($2::text is null or system_name = $2)
     order by received_at desc, bom_id desc limit 100`,
    [workspaceId, systemName ?? null],
  )
  return rows.map(toStored)
}

function toStored(row: StoredAiBom): StoredAiBom {
  return { ...row, received_at: new Date(row.received_at).toISOString() }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectMigrations } from '../app'
import type { Database } from '../storage/database'
import { runMigrations } from '../storage/migrations'
import { openTestDatabase, TEST_BACKENDS } from '../storage/test-databases'
import { readCoverage, readReadiness } from './grc-store'

const insertEvidence = (database: Database, id: string, system: string, source: string, controls: string[]) =>
  database.query(
    `insert into grc_evidence (workspace_id, record_id, leaf_index, record_type, system_name, payload,
       client_sig_status, mapped_controls, source, record_hash)
     values ('ws', $1, 0, 'change_event', $2, '{}'::jsonb, 'unsigned', $3::jsonb, $4, 'x')`,
    [id, system, JSON.stringify(controls), source],
  )

describe.each(TEST_BACKENDS)('GRC coverage counters on %s', (backend) => {
  let database: Database
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ database, close } = await openTestDatabase(backend, 'mima_grc', 2))
  })
  afterAll(async () => {
    await close?.()
  })

  it('backfill existing evidence when migration 012 runs, then follow inserts in one statement', async () => {
    const all = collectMigrations()
    await runMigrations(
      database,
      all.filter((migration) => migration.id < '012'),
    )
    await insertEvidence(database, 'a', 'bot', 'sdk', ['soc2_type2:CC8.1', 'iso_27001:A.8.32'])
    await insertEvidence(database, 'b', 'bot', 'estate_auto', ['eu_ai_act:art_9', 'soc2_type2:CC8.1'])
    expect(await runMigrations(database, all)).toContain('012_grc_coverage_counters')

    const coverage = await readCoverage(database, { workspaceId: 'ws' })
    expect(Object.fromEntries(coverage.map((entry) => [entry.controlId, entry.attested]))).toEqual({
      'soc2_type2:CC8.1': true,
      'iso_27001:A.8.32': true,
      'eu_ai_act:art_9': false,
    })
    // a multi-row statement (as the ingest queue writes) counts each record once per framework
    await database.query(
      `insert into grc_evidence (workspace_id, record_id, leaf_index, record_type, system_name, payload,
         client_sig_status, mapped_controls, source, record_hash)
       select 'ws', 'c' || g, g, 'incident_report', 'other', '{}'::jsonb, 'unsigned',
              '["soc2_type2:CC7.3", "soc2_type2:CC7.4"]'::jsonb, 'sdk', 'x'
         from generate_series(1, 3) as g`,
    )
    const readiness = await readReadiness(database, { workspaceId: 'ws' })
    const soc2 = readiness.frameworks.find((framework) => framework.framework === 'soc2_type2')
    expect(soc2).toMatchObject({ controls_covered: 3, controls_covered_attested: 3, records_total: 5 })
    const bot = await readReadiness(database, { workspaceId: 'ws', systemName: 'bot' })
    expect(bot.frameworks.find((framework) => framework.framework === 'soc2_type2')).toMatchObject({
      controls_covered: 1,
      records_total: 2,
    })
  })
})

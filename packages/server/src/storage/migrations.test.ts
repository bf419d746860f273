import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from './database'
import { runMigrations, sortMigrations } from './migrations'
import { openTestDatabase, TEST_BACKENDS } from './test-databases'

describe('sortMigrations', () => {
  it('orders by number and refuses bad or duplicate numbers', () => {
    const sorted = sortMigrations([
      { id: '020_approvals', sql: '' },
      { id: '001_core', sql: '' },
      { id: '010_grc', sql: '' },
    ])
    expect(sorted.map((migration) => migration.id)).toEqual(['001_core', '010_grc', '020_approvals'])
    expect(() => sortMigrations([{ id: '1_core', sql: '' }])).toThrow(/three digits/)
    expect(() =>
      sortMigrations([
        { id: '010_a', sql: '' },
        { id: '010_b', sql: '' },
      ]),
    ).toThrow(/010/)
  })
})

describe.each(TEST_BACKENDS)('runMigrations on %s', (backend) => {
  let database: Database
  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ database, close } = await openTestDatabase(backend, 'mima_mig', 3))
  })
  afterAll(async () => {
    await close?.()
  })

  it('applies each migration once, in order, and rolls a failing set back entirely', async () => {
    const migrations = [
      {
        id: '002_second',
        sql: "insert into things (workspace_id, name) values ('ws', 'b'); insert into things (workspace_id, name) values ('ws', 'c')",
      },
      {
        id: '001_first',
        sql: 'create table things (workspace_id text not null, name text not null, primary key (workspace_id, name))',
      },
    ]
    expect(await runMigrations(database, migrations)).toEqual(['001_first', '002_second'])
    expect(await runMigrations(database, migrations)).toEqual([])
    await expect(
      runMigrations(database, [
        ...migrations,
        { id: '003_ok', sql: "insert into things values ('ws', 'd')" },
        { id: '004_broken', sql: 'select * from nowhere' },
      ]),
    ).rejects.toThrow()
    const { rows } = await database.query<{ name: string }>('select name from things order by name')
    expect(rows.map((row) => row.name)).toEqual(['b', 'c'])
    const applied = await database.query<{ id: string }>('select id from mima_migrations order by id')
    expect(applied.rows.map((row) => row.id)).toEqual(['001_first', '002_second'])
  })

  it('returns int8 as numbers and commits or rolls back transactions', async () => {
    const { rows } = await database.query<{ big: number }>('select 9007199254740991::int8 as big')
    expect(rows[0]?.big).toBe(Number.MAX_SAFE_INTEGER)
    await expect(
      database.transaction(async (transaction) => {
        await transaction.query("insert into things values ('ws', 'rolled-back')")
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    await database.transaction((transaction) => transaction.query("insert into things values ('ws', 'kept')"))
    const names = (await database.query<{ name: string }>('select name from things')).rows.map(
      (row) => row.name,
    )
    expect(names).toContain('kept')
    expect(names).not.toContain('rolled-back')
  })
})

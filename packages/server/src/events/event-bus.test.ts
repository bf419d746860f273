import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createEventBus,
  createServerEvent,
  type EventBus,
  eventChannel,
  type NotificationConnection,
  waitForEvent,
} from './event-bus'

describe('event bus (in process)', () => {
  it('delivers to subscribers until they unsubscribe, and waitForEvent resolves or times out', async () => {
    const bus = createEventBus()
    const seen: string[] = []
    const unsubscribe = bus.subscribe((event) => seen.push(event.type))
    bus.publish(createServerEvent('approval.requested', 'ws', { approval_id: 'a' }))
    unsubscribe()
    bus.publish(createServerEvent('approval.decided', 'ws', { approval_id: 'a' }))
    expect(seen).toEqual(['approval.requested'])

    const waiting = waitForEvent(bus, (event) => event.data.approval_id === 'b', 10_000)
    bus.publish(createServerEvent('approval.decided', 'ws', { approval_id: 'a' }))
    bus.publish(createServerEvent('approval.decided', 'ws', { approval_id: 'b' }))
    expect((await waiting.promise)?.data.approval_id).toBe('b')
    expect(await waitForEvent(bus, () => true, 5).promise).toBeUndefined()
    const aborted = new AbortController()
    const held = waitForEvent(bus, () => true, 10_000, aborted.signal)
    aborted.abort()
    expect(await held.promise).toBeUndefined()
    await bus.close()
  })

  it('runs transactional sinks in the transaction, and a failing sink fails the call', async () => {
    const bus = createEventBus()
    const written: unknown[][] = []
    const transaction = {
      query: async (_sql: string, params: readonly unknown[] = []) => {
        written.push([...params])
        return { rows: [], rowCount: 1 }
      },
    }
    const remove = bus.addTransactionalSink(async (queryable, event) => {
      await queryable.query('insert into outbox values ($1)', [event.id])
    })
    const event = createServerEvent('approval.requested', 'ws', {})
    await bus.notifyInTransaction(transaction, event)
    expect(written).toEqual([[event.id]])

    bus.addTransactionalSink(() => {
      throw new Error('disk full')
    })
    await expect(bus.notifyInTransaction(transaction, event)).rejects.toThrow('disk full')
    remove()
    await bus.close()
  })
})

const databaseUrl = process.env.MIMA_TEST_DATABASE_URL
describe.runIf(databaseUrl)('event bus across replicas (PostgreSQL LISTEN/NOTIFY)', () => {
  const buses: EventBus[] = []
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()))
    await pool.end()
  })

  it('an event notified in a committed transaction reaches the other replica, a rolled-back one does not', async () => {
    const channel = eventChannel(`bus_test_${process.pid}`)
    const make = (): EventBus => {
      const bus = createEventBus({
        channel,
        connectListener: () =>
          new pg.Client({ connectionString: databaseUrl }) as unknown as NotificationConnection,
      })
      buses.push(bus)
      return bus
    }
    const replicaA = make()
    const replicaB = make()
    // Wait until B listens: A keeps notifying a probe until B sees one.
    for (let attempt = 0; ; attempt++) {
      const probe = waitForEvent(replicaB, (event) => event.type === 'probe', 100)
      const client = await pool.connect()
      await replicaA.notifyInTransaction(
        {
          query: async (sql, params) => ({
            rows: (await client.query(sql, params as unknown[])).rows,
            rowCount: 0,
          }),
        },
        createServerEvent('probe', 'ws', {}),
      )
      client.release()
      if (await probe.promise) break
      if (attempt > 100) throw new Error('replica B never started listening')
    }
    const seenByA: string[] = []
    replicaA.subscribe((event) => seenByA.push(event.type))
    const decided = waitForEvent(replicaB, (event) => event.type === 'approval.decided', 10_000)
    const client = await pool.connect()
    const queryable = {
      query: async (sql: string, params?: readonly unknown[]) => ({
        rows: (await client.query(sql, params as unknown[])).rows,
        rowCount: 0,
      }),
    }
    await client.query('begin')
    await replicaA.notifyInTransaction(queryable, createServerEvent('approval.rolled_back', 'ws', {}))
    await client.query('rollback')
    await client.query('begin')
    await replicaA.notifyInTransaction(
      queryable,
      createServerEvent('approval.decided', 'ws', { approval_id: 'x' }),
    )
    await client.query('commit')
    client.release()
    const event = await decided.promise
    expect(event?.data.approval_id).toBe('x')
    // A ignores its own notification (it delivers locally instead) and nobody sees the rolled-back one.
    expect(seenByA).toEqual([])
    const late = await waitForEvent(replicaB, (candidate) => candidate.type === 'approval.rolled_back', 200)
      .promise
    expect(late).toBeUndefined()
  })
})

import type { Approvals } from '@mima/approvals'
import { waitFor } from '@mima-internal/test-utils'
import { describe, expect, it } from 'vitest'
import { nextPending, rejectionOf } from './approvals/approvals-helpers'

// Every wait in the tests has a deadline and says what it waited for: one failure must stay one
// failure, not a loop that hammers the database until every later test times out too.
describe('test waits have deadlines and clear messages', () => {
  it('waitFor returns the first defined value, and otherwise names what it waited for and the last error', async () => {
    let calls = 0
    await expect(
      waitFor(() => (++calls >= 3 ? 'ready' : undefined), { what: 'the third call' }),
    ).resolves.toBe('ready')
    const error = (await rejectionOf(
      waitFor(
        () => {
          throw new Error('connection refused')
        },
        { what: 'the server to answer', timeoutMs: 50 },
      ),
    )) as Error
    expect(error.message).toMatch(
      /^Timed out after \d+ s \(\d+ attempts\) waiting for the server to answer; the last attempt failed: connection refused$/,
    )
  })

  it('nextPending gives up with a message naming the action type when no approval arrives', async () => {
    let lists = 0
    // An approver whose queue stays empty (the real client's list(), minus the server).
    const approver = {
      list: async () => {
        lists++
        return []
      },
    } as unknown as Approvals
    const error = (await rejectionOf(nextPending(approver, 'never_requested', { timeoutMs: 200 }))) as Error
    expect(error.message).toMatch(/waiting for a pending approval of type "never_requested"/)
    // It backs off instead of hammering the server (the old loop asked every 10 ms: ~20 times here).
    expect(lists).toBeLessThan(15)
  })
})

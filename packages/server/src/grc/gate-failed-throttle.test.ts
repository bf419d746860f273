import type { GateResult } from '@mima/grc'
import { describe, expect, it } from 'vitest'
import { createGateFailedThrottle } from './gate-failed-throttle'

const gate = (policyId: string, current: number): GateResult => ({
  policy_id: policyId,
  framework: 'eu_ai_act',
  mode: 'required',
  scope: 'workspace',
  threshold_pct: 80,
  current_pct: current,
  status: 'failing',
})

describe('gate.failed throttle', () => {
  it('reports a failing gate once per quiet period unless its score changes', () => {
    let clock = 1_000_000
    const throttle = createGateFailedThrottle({ quietMs: 60_000, now: () => clock })
    expect(throttle.take('ws', null, [gate('g1', 10)]).map((g) => g.policy_id)).toEqual(['g1'])
    clock += 30_000
    expect(throttle.take('ws', null, [gate('g1', 10)])).toEqual([])
    // Another gate, another workspace and another system are separate.
    expect(throttle.take('ws', null, [gate('g1', 10), gate('g2', 10)]).map((g) => g.policy_id)).toEqual([
      'g2',
    ])
    expect(throttle.take('ws2', null, [gate('g1', 10)])).toHaveLength(1)
    expect(throttle.take('ws', 'bot', [gate('g1', 10)])).toHaveLength(1)
    // A score change is reported at once, then quiet again.
    expect(throttle.take('ws', null, [gate('g1', 12)])).toEqual([gate('g1', 12)])
    expect(throttle.take('ws', null, [gate('g1', 12)])).toEqual([])
    clock += 59_999
    expect(throttle.take('ws', null, [gate('g1', 12)])).toEqual([])
    clock += 1
    expect(throttle.take('ws', null, [gate('g1', 12)])).toEqual([gate('g1', 12)])
  })

  it('forgets the least recently reported gates beyond maxEntries', () => {
    const throttle = createGateFailedThrottle({ now: () => 0, maxEntries: 2 })
    throttle.take('ws', null, [gate('a', 1), gate('b', 1), gate('c', 1)])
    expect(throttle.take('ws', null, [gate('a', 1)])).toHaveLength(1)
    expect(throttle.take('ws', null, [gate('c', 1)])).toHaveLength(0)
  })
})

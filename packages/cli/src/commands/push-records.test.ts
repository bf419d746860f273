import { PAYLOAD_SPECS, RECORD_TYPES, type RecordType } from '@mima/grc'
import { describe, expect, it } from 'vitest'
import { buildWireRecord } from './push'
import { PUSH_RECORDS } from './push-records'

describe('the push flag tables agree with @mima/grc', () => {
  it('cover the 13 record types', () => {
    expect(PUSH_RECORDS.map((spec) => spec.recordType).sort()).toEqual([...RECORD_TYPES].sort())
  })

  it('only write payload fields the record type defines, with values grc allows', () => {
    for (const spec of PUSH_RECORDS) {
      const fields = PAYLOAD_SPECS[spec.recordType as RecordType]
      for (const flag of spec.flags) {
        if (typeof flag.target !== 'object') continue
        const field = fields[flag.target.payload]
        expect(field, `${spec.recordType} --${flag.name} → payload.${flag.target.payload}`).toBeDefined()
        for (const value of flag.allowed ?? [])
          expect(field?.allowed, `${spec.recordType} --${flag.name}`).toContain(value)
      }
    }
  })

  it('fill every payload field grc requires, from a required flag or a default', () => {
    for (const spec of PUSH_RECORDS) {
      for (const [name, field] of Object.entries(PAYLOAD_SPECS[spec.recordType as RecordType])) {
        if (!field.required) continue
        const flag = spec.flags.find(
          (candidate) => typeof candidate.target === 'object' && candidate.target.payload === name,
        )
        expect(
          flag?.required === true || flag?.defaultValue !== undefined,
          `${spec.recordType} payload.${name}`,
        ).toBe(true)
      }
    }
  })

  it('builds the SDK wire record (human_oversight infers override; the record names its system)', () => {
    const spec = PUSH_RECORDS.find((candidate) => candidate.recordType === 'human_oversight')!
    const record = buildWireRecord(
      spec,
      { 'decision-id': 'd-1', 'ai-recommendation': 'deny', 'human-decision': 'approve', reviewer: 'bob' },
      { MIMA_SYSTEM_NAME: 'loans' },
      new Date('2026-11-21T10:00:00Z'),
    )
    expect(record).toEqual({
      record_type: 'human_oversight',
      payload: {
        decision_id: 'd-1',
        ai_recommendation: 'deny',
        human_decision: 'approve',
        reviewer: 'bob',
        override: true,
      },
      system_name: 'loans',
      identity: 'bob',
      resource: 'd-1',
      occurred_at: '2026-11-21T10:00:00.000Z',
    })
    const policy = buildWireRecord(
      PUSH_RECORDS.find((candidate) => candidate.recordType === 'policy_acknowledged')!,
      { policy: 'AI Acceptable Use', user: 'alice', version: '2.1', system: 'bot' },
      {},
    )
    expect(policy).toMatchObject({
      system_name: 'bot',
      identity: 'alice',
      resource: 'policy:ai-acceptable-use:2.1',
      payload: {
        decision: 'acknowledged',
        policy_name: 'AI Acceptable Use',
        acknowledgment_type: 'initial',
        channel: 'in-app',
      },
    })
  })
})

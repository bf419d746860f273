import { type GrcResult, type GrcWireRecord, MimaError } from '@mima/core'
import { expect, it } from 'vitest'
import { mapRecordToControls } from '../mapping/map-record-to-controls'
import { createGrc } from './create-grc'

// A minimal evidence client: records what it is given and answers like the server would.
function collectingClient(systemName?: string) {
  const sent: GrcWireRecord[] = []
  return {
    sent,
    systemName,
    async pushEvidence(record: GrcWireRecord): Promise<GrcResult> {
      sent.push(record)
      return {
        recordId: `r${sent.length}`,
        recordType: record.record_type,
        mappedControls: mapRecordToControls(record),
        detail: 'ok',
      }
    },
  }
}

it('sends the built record through pushEvidence and returns its GrcResult', async () => {
  const client = collectingClient('loan-scorer')
  const grc = createGrc(client, { now: () => new Date('2026-06-20T12:00:00Z') })
  const result = await grc.humanOversight({
    decisionId: 'd1',
    aiRecommendation: 'approve',
    humanDecision: 'approve',
    reviewer: 'bob',
  })
  expect(result).toEqual({
    recordId: 'r1',
    recordType: 'human_oversight',
    mappedControls: ['eu_ai_act:art_14', 'iso_42001:A.9.2', 'nist_airf:GOVERN-3.2', 'nist_airf:MAP-3.5'],
    detail: 'ok',
  })
  expect(client.sent[0]).toMatchObject({
    system_name: 'loan-scorer',
    occurred_at: '2026-06-20T12:00:00.000Z',
  })
})

it('rejects invalid input without sending anything', async () => {
  const client = collectingClient()
  const grc = createGrc(client, { systemName: 's' })
  const rejection = grc.vendorRisk({ vendor: 'v', tier: 'extreme' as never, lastReviewed: '2026-06-01' })
  await expect(rejection).rejects.toSatisfy(
    (error: unknown) => MimaError.isInstance(error) && error.code === 'validation_failed',
  )
  await expect(rejection).rejects.toThrow(/tier must be one of critical, high, medium, low/)
  expect(client.sent).toEqual([])
  expect(grc.records.vendorRisk({ vendor: 'v', tier: 'low', lastReviewed: '2026-06-01' }).system_name).toBe(
    's',
  )
})

import { hashValue } from '@mima/core'
import { readJsonObject, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { findStoredResponse, idempotencyKeyHeader, storeResponse } from '../http/idempotency'
import { integerQuery, stringQuery } from '../http/query'
import { InvalidField } from '../http/validation'
import type { IngestOutcome, NewAttestation } from '../ingest/ingest-queue'
import { attestationDetail, parseAttestation } from './attestation-input'
import { getAttestation, listAttestations } from './attestation-store'

function outcomeQuery(value: string | undefined): string | undefined {
  if (value === undefined || value === 'ok' || value === 'error') return value
  throw httpError('validation_failed', 'outcome must be "ok" or "error".', { field: 'outcome' })
}

function singleResponse(outcome: IngestOutcome, idempotencyKey: string | undefined) {
  return {
    attestation_id: outcome.id,
    external_verified: outcome.trustTier === 'verified',
    trust_tier: outcome.trustTier ?? 'declared',
    detail: attestationDetail(outcome.trustTier ?? 'declared', outcome.signatureScheme),
    leaf_index: outcome.leafIndex,
    received_at: outcome.receivedAt,
    ...(idempotencyKey === undefined ? {} : { idempotency_key: idempotencyKey }),
  }
}

/**
 * Attestation endpoints: `POST …/governance/attestations/external` (one), `POST …/batch`
 * (per-record results), `GET …/governance/attestations` (filters, cursor) and `GET …/{id}`.
 */
export const attestationsFeature: ServerFeature = defineFeature({
  name: 'attestations',
  register(api, server) {
    api.post('/workspaces/:ws/governance/attestations/external', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['ingest', 'admin', 'approver'] })
      const headerKey = idempotencyKeyHeader(c)
      const body = await readJsonObject(c)
      let item: NewAttestation
      try {
        item = parseAttestation(body, headerKey)
      } catch (error) {
        if (error instanceof InvalidField) throw httpError(error.code, error.message, { field: error.field })
        throw error
      }
      const result = await server.ingest.submit(workspaceId, { attestations: [item], evidence: [] })
      const outcome = result.attestations[0] as IngestOutcome
      if (outcome.status === 'conflict') {
        throw httpError(
          'conflict',
          `Idempotency key "${item.idempotencyKey}" was already used for a different attestation.`,
          {
            attestation_id: outcome.id,
          },
        )
      }
      return c.json(singleResponse(outcome, item.idempotencyKey), 201)
    })

    api.post('/workspaces/:ws/governance/attestations/batch', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['ingest', 'admin', 'approver'] })
      const headerKey = idempotencyKeyHeader(c)
      const body = await readJsonObject(c)
      const records = body.records
      if (!Array.isArray(records))
        throw httpError('validation_failed', 'records must be an array of attestations.', {
          field: 'records',
        })
      const max = server.limits.maxBatchRecords
      if (records.length > max) {
        throw httpError(
          'validation_failed',
          `A batch holds at most ${max} records; this one has ${records.length}. Split it.`,
          {
            field: 'records',
            max_records: max,
          },
        )
      }
      const route = 'attestations/batch'
      // Only a keyed batch needs the body's hash (canonical JSON of every record: not free).
      const keyed = headerKey === undefined ? undefined : { key: headerKey, requestHash: hashValue(body) }
      if (keyed !== undefined) {
        const stored = await findStoredResponse(server.database, workspaceId, route, keyed.key)
        if (stored !== undefined) {
          if (stored.requestHash !== keyed.requestHash) {
            throw httpError(
              'conflict',
              `Idempotency-Key "${headerKey}" was already used for a different batch.`,
            )
          }
          c.header('idempotent-replayed', 'true')
          return c.json(stored.body as object, stored.status as 200)
        }
      }
      type Slot = { index: number; item?: NewAttestation; error?: InvalidField }
      const slots: Slot[] = records.map((record, index) => {
        try {
          return {
            index,
            item: parseAttestation(record, headerKey === undefined ? undefined : `${headerKey}#${index}`),
          }
        } catch (error) {
          if (error instanceof InvalidField) return { index, error }
          throw error
        }
      })
      const items = slots.flatMap((slot) => (slot.item === undefined ? [] : [slot.item]))
      const outcomes =
        items.length === 0
          ? []
          : (await server.ingest.submit(workspaceId, { attestations: items, evidence: [] })).attestations
      let position = 0
      let accepted = 0
      let duplicates = 0
      let rejected = 0
      const results = slots.map((slot) => {
        if (slot.error !== undefined) {
          rejected += 1
          return {
            index: slot.index,
            status: 'rejected',
            code: slot.error.code,
            reason: slot.error.message,
            field: slot.error.field,
          }
        }
        const outcome = outcomes[position++] as IngestOutcome
        if (outcome.status === 'conflict') {
          rejected += 1
          return {
            index: slot.index,
            status: 'rejected',
            code: 'conflict',
            reason: `idempotency_key "${slot.item?.idempotencyKey}" was already used for a different attestation.`,
            attestation_id: outcome.id,
          }
        }
        if (outcome.status === 'duplicate') duplicates += 1
        else accepted += 1
        return {
          index: slot.index,
          status: outcome.status === 'created' ? 'accepted' : 'duplicate',
          ...singleResponse(outcome, slot.item?.idempotencyKey),
        }
      })
      const response = { accepted, duplicates, rejected, results }
      if (keyed !== undefined) {
        await storeResponse(server.database, workspaceId, route, keyed.key, {
          requestHash: keyed.requestHash,
          status: 200,
          body: response,
        })
      }
      return c.json(response, 200)
    })

    api.get('/workspaces/:ws/governance/attestations', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const page = await listAttestations(server.database, workspaceId, {
        limit: integerQuery(c, 'limit', { max: 1000 }) ?? 100,
        cursor: stringQuery(c, 'cursor'),
        systemName: stringQuery(c, 'system_name'),
        agentName: stringQuery(c, 'agent_name'),
        toolName: stringQuery(c, 'tool_name'),
        modelId: stringQuery(c, 'model_id'),
        trustTier: stringQuery(c, 'trust_tier'),
        sessionId: stringQuery(c, 'session_id'),
        outcome: outcomeQuery(stringQuery(c, 'outcome')),
        provider: stringQuery(c, 'provider'),
        since: stringQuery(c, 'since'),
        until: stringQuery(c, 'until'),
        text: stringQuery(c, 'q'),
      })
      return c.json(page)
    })

    api.get('/workspaces/:ws/governance/attestations/:id', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const attestation = await getAttestation(server.database, workspaceId, c.req.param('id'))
      if (attestation === undefined)
        throw httpError('not_found', `No attestation "${c.req.param('id')}" in this workspace.`)
      return c.json(attestation)
    })
  },
})

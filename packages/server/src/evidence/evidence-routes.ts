import { isRecordType, RECORD_TYPES } from '@mima/grc'
import type { Context } from 'hono'
import { type AppEnv, readJsonObject, requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { idempotencyKeyHeader } from '../http/idempotency'
import { booleanQuery, integerQuery, stringQuery } from '../http/query'
import { InvalidField } from '../http/validation'
import type { IngestOutcome, NewEvidence } from '../ingest/ingest-queue'
import { loadKeyMaterial } from '../key-custody/key-custody'
import { InvalidGrcField, parseEvidence } from './evidence-input'
import { getEvidence, grcKeyBox, listEvidence, summarizeEvidence, workspaceHmacKey } from './evidence-store'

const NIL_UUID = '00000000-0000-0000-0000-000000000000'

/**
 * GRC evidence endpoints: `POST …/grc/evidence` (`?dry_run=true` validates and maps without
 * storing), `GET …/grc/evidence` (filters, cursor), `GET …/grc/evidence/summary`, `GET …/{id}`,
 * and the workspace's HMAC key for `client_sig` (`PUT`/`DELETE …/grc/signing-key`, admin).
 */
export const evidenceFeature: ServerFeature = defineFeature({
  name: 'evidence',
  migrations: [
    {
      // The record exactly as received (like `attestations.record`): served back so a client can
      // re-check `hashValue(record)` against its ledger leaf's `record_hash`. Null for older rows.
      id: '003_grc_evidence_record',
      sql: 'alter table grc_evidence add column if not exists record jsonb',
    },
  ],
  register(api, server) {
    api.post('/workspaces/:ws/governance/grc/evidence', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['ingest', 'admin', 'approver'] })
      const dryRun = booleanQuery(c, 'dry_run') ?? false
      const headerKey = idempotencyKeyHeader(c)
      const body = await readJsonObject(c)
      let item: NewEvidence
      try {
        item = parseEvidence(body, {
          workspaceId,
          hmacKey: await workspaceHmacKey(server.database, workspaceId),
          dryRun,
          fallbackIdempotencyKey: headerKey,
          // Hono caches the body readJsonObject read: the exact text, for client_sig's numbers.
          sourceText: await c.req.text(),
        })
      } catch (error) {
        if (error instanceof InvalidGrcField && error.allowed !== undefined) {
          throw httpError(error.code, error.message, { field: error.field, allowed: error.allowed })
        }
        if (error instanceof InvalidField) throw httpError(error.code, error.message, { field: error.field })
        throw error
      }
      if (dryRun) {
        return c.json(
          {
            dry_run: true,
            record_id: NIL_UUID,
            record_type: item.recordType,
            mapped_controls: item.mappedControls,
            would_map_controls: item.mappedControls,
            client_sig_status: item.clientSigStatus,
          },
          200,
        )
      }
      const result = await server.ingest.submit(workspaceId, { attestations: [], evidence: [item] })
      const outcome = result.evidence[0] as IngestOutcome
      if (outcome.status === 'conflict') {
        throw httpError(
          'conflict',
          `Idempotency key "${item.idempotencyKey}" was already used for a different record.`,
          {
            record_id: outcome.id,
          },
        )
      }
      return c.json(
        {
          record_id: outcome.id,
          record_type: outcome.recordType,
          mapped_controls: outcome.mappedControls,
          client_sig_status: outcome.clientSigStatus,
          leaf_index: outcome.leafIndex,
          received_at: outcome.receivedAt,
          ...(item.idempotencyKey === undefined ? {} : { idempotency_key: item.idempotencyKey }),
        },
        201,
      )
    })

    const filters = (c: Context<AppEnv>) => {
      const recordType = stringQuery(c, 'record_type')
      if (recordType !== undefined && !isRecordType(recordType)) {
        throw httpError('validation_failed', `record_type must be one of ${RECORD_TYPES.join(', ')}.`, {
          field: 'record_type',
        })
      }
      return {
        recordType,
        systemName: stringQuery(c, 'system_name'),
        source: stringQuery(c, 'source'),
        since: stringQuery(c, 'since'),
        until: stringQuery(c, 'until'),
        clientSigStatus: stringQuery(c, 'client_sig_status'),
        text: stringQuery(c, 'q'),
      }
    }

    api.get('/workspaces/:ws/governance/grc/evidence/summary', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const query = filters(c)
      const summary = await summarizeEvidence(server.database, workspaceId, query)
      return c.json({
        ...summary,
        record_type: query.recordType ?? null,
        system_name: query.systemName ?? null,
        since: query.since ?? null,
      })
    })

    api.get('/workspaces/:ws/governance/grc/evidence', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json(
        await listEvidence(server.database, workspaceId, {
          ...filters(c),
          limit: integerQuery(c, 'limit', { max: 1000 }) ?? 100,
          cursor: stringQuery(c, 'cursor'),
        }),
      )
    })

    api.get('/workspaces/:ws/governance/grc/evidence/:id', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const record = await getEvidence(server.database, workspaceId, c.req.param('id'))
      if (record === undefined)
        throw httpError('not_found', `No evidence record "${c.req.param('id')}" in this workspace.`)
      return c.json(record)
    })

    api.put('/workspaces/:ws/governance/grc/signing-key', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
      const body = await readJsonObject(c)
      let key: Buffer
      if (typeof body.key_hex === 'string' && /^(?:[0-9a-fA-F]{2}){1,256}$/.test(body.key_hex)) {
        key = Buffer.from(body.key_hex, 'hex')
      } else if (typeof body.key === 'string' && body.key.length > 0 && body.key.length <= 512) {
        key = Buffer.from(body.key, 'utf8')
      } else {
        throw httpError(
          'validation_failed',
          'Send { "key": "<the SDK signing key as text>" } or { "key_hex": "<its bytes in hex>" }.',
        )
      }
      // Sealed at rest: a database dump alone does not reveal the key (see docs/key-custody.md).
      const sealed = grcKeyBox(await loadKeyMaterial(server.database)).seal(key.toString('hex'))
      await server.database.query('update workspaces set grc_hmac_key = $2 where workspace_id = $1', [
        workspaceId,
        sealed,
      ])
      return c.json({ configured: true, key_bytes: key.length })
    })

    api.delete('/workspaces/:ws/governance/grc/signing-key', async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: ['admin'] })
      await server.database.query('update workspaces set grc_hmac_key = null where workspace_id = $1', [
        workspaceId,
      ])
      return c.json({ configured: false })
    })
  },
})

import { requireWorkspace } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { stringQuery } from '../http/query'
import { parseGrouping, spendCsv, spendReport } from './spend-report'
import { USAGE_MIGRATIONS } from './usage-migrations'

/**
 * Usage and spend analytics over the attestations' usage columns:
 * `GET …/usage?group_by=day|month|model|provider|system|agent|user|session|tool` with
 * `since`, `until`, `system_name`, `agent_name`, `model_id`, `user`, `session_id` filters, as JSON
 * or as CSV (`format=csv` or `Accept: text/csv`).
 */
export const usageFeature: ServerFeature = defineFeature({
  name: 'usage',
  migrations: USAGE_MIGRATIONS,
  register(api, server) {
    api.get('/workspaces/:ws/usage', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const grouping = parseGrouping(stringQuery(c, 'group_by'))
      const format =
        stringQuery(c, 'format') ?? (c.req.header('accept')?.includes('text/csv') ? 'csv' : 'json')
      if (format !== 'json' && format !== 'csv')
        throw httpError('validation_failed', 'format must be json or csv.', { field: 'format' })
      const report = await spendReport(server.database, workspaceId, grouping, {
        since: stringQuery(c, 'since'),
        until: stringQuery(c, 'until'),
        systemName: stringQuery(c, 'system_name'),
        agentName: stringQuery(c, 'agent_name'),
        modelId: stringQuery(c, 'model_id'),
        user: stringQuery(c, 'user'),
        sessionId: stringQuery(c, 'session_id'),
      })
      if (format === 'csv') {
        c.header('content-type', 'text/csv; charset=utf-8')
        c.header('content-disposition', `attachment; filename="mima-usage-by-${grouping}.csv"`)
        return c.body(spendCsv(grouping, report.rows))
      }
      return c.json(report)
    })
  },
})

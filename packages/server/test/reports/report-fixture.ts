/** Seeds a workspace with what the reports read: calls, evidence, approvals, decisions, guard events. */
type Api = (
  key: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: unknown }>

export const XSS = '<img src=x onerror=alert(1)>'

export function call(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    system_name: 'support-bot',
    agent_name: 'triage',
    tool_name: 'chat',
    model_id: 'gpt-4o-mini',
    input_hash: 'a'.repeat(64),
    output_hash: 'b'.repeat(64),
    executed_at: new Date().toISOString(),
    duration_ms: 120,
    input_tokens: 100,
    output_tokens: 20,
    cost_usd: 0.0004,
    ...fields,
  }
}

async function expectOk(
  response: Promise<{ status: number; json: unknown }>,
  what: string,
): Promise<{ id: string }> {
  const { status, json } = await response
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(json)}`)
  return json as { id: string }
}

/**
 * support-bot/triage: 3 calls (one without duration), an approved request, a human_oversight,
 * model_evaluation and training_data_governance record, a deny decision. billing/refunds: 1 call
 * with hostile names. The guard reports 1 unattested call for support-bot.
 */
export async function seedReportData(options: {
  api: Api
  workspaceId: string
  ingestKey: string
  approverKey: string
}): Promise<void> {
  const { api, workspaceId, ingestKey, approverKey } = options
  const ws = `/workspaces/${workspaceId}`
  await expectOk(
    api(ingestKey, 'POST', `${ws}/governance/attestations/batch`, {
      records: [
        call(),
        call({ tool_name: 'search_docs' }),
        call({ duration_ms: undefined }),
        call({ system_name: 'billing', agent_name: XSS, tool_name: XSS, model_id: XSS }),
      ],
    }),
    'attestations',
  )
  for (const record of [
    {
      record_type: 'human_oversight',
      system_name: 'support-bot',
      payload: {
        decision_id: 'd-1',
        ai_recommendation: 'approve',
        human_decision: 'approve',
        reviewer: 'ops',
        override: false,
      },
    },
    {
      record_type: 'model_evaluation',
      system_name: 'support-bot',
      payload: { model_id: 'gpt-4o-mini', dataset: 'golden-v1', accuracy: 0.93, evaluated_by: 'ml-team' },
    },
    {
      record_type: 'training_data_governance',
      system_name: 'support-bot',
      payload: {
        model_id: 'gpt-4o-mini',
        dataset_id: 'kb-2026',
        record_count: 1200,
        bias_checks_performed: true,
        approved_by: 'dpo',
        data_sources: ['kb'],
        data_categories: ['support'],
      },
    },
  ]) {
    await expectOk(api(ingestKey, 'POST', `${ws}/governance/grc/evidence`, record), record.record_type)
  }
  const approval = await expectOk(
    api(ingestKey, 'POST', `${ws}/governance/approvals`, {
      action_type: 'refund',
      context: { amount: 40 },
      system_name: 'support-bot',
      agent_name: 'triage',
    }),
    'approval',
  )
  await expectOk(
    api(approverKey, 'POST', `${ws}/governance/approvals/${approval.id}/decide`, {
      decision: 'approve',
      reason: 'ok',
    }),
    'decide',
  )
  await expectOk(
    api(ingestKey, 'POST', `${ws}/policy/decisions`, {
      decisions: [
        {
          decision_id: 'report-1',
          decided_at: new Date().toISOString(),
          policy_id: 'support',
          policy_version: '1',
          rule_id: 'deny_tools',
          decision: 'deny',
          direction: 'ingress',
          reasons: ['tool.denied:bash.exec'],
          detector_kinds: [],
          findings: 0,
          tool: 'bash.exec',
          agent: 'triage',
        },
      ],
    }),
    'decisions',
  )
  await expectOk(
    api(ingestKey, 'POST', `${ws}/guard/events`, {
      events: [
        {
          ts: Date.now(),
          call: 'openai.chat.completions.create',
          pid: 7,
          call_site: 'src/bot.ts:12',
          system_name: 'support-bot',
        },
      ],
    }),
    'guard',
  )
}

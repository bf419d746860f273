// A valid body for each write route, keyed `METHOD /router/path`: the fuzzer makes one field of it
// hostile at a time, so hostile values get past the first "missing field" check into the route's
// deeper validation and storage. A write route without a template is still fuzzed, with generic
// hostile bodies (see fuzz.test.ts).
import { randomUUID } from 'node:crypto'

const HASH = 'c'.repeat(64)
const WS = '/workspaces/:ws'

export const BODY_TEMPLATES: Readonly<Record<string, () => Record<string, unknown>>> = {
  [`POST ${WS}/governance/attestations/external`]: () => ({
    system_name: 'fuzz',
    tool_name: 'tool',
    input_hash: HASH,
    output_hash: HASH,
    executed_at: '2026-01-01T00:00:00Z',
    idempotency_key: randomUUID(),
  }),
  [`POST ${WS}/governance/attestations/batch`]: () => ({
    records: [{ system_name: 'fuzz', tool_name: 'tool', input_hash: HASH, output_hash: HASH }],
  }),
  [`POST ${WS}/governance/grc/evidence`]: () => ({
    record_type: 'incident',
    system_name: 'fuzz',
    payload: { summary: 'x', severity: 'low' },
  }),
  [`POST ${WS}/guard/events`]: () => ({ events: [{ call: 'openai.chat', ts: 1 }] }),
  [`POST ${WS}/governance/approvals`]: () => ({
    action_type: 'fuzz',
    context: { n: 1 },
    description: 'd',
    timeout_seconds: 60,
  }),
  [`POST ${WS}/governance/approvals/redeem`]: () => ({ token: 'mat1.a.b', tool_name: 't' }),
  [`POST ${WS}/keys`]: () => ({ name: 'fuzz', role: 'ingest' }),
  [`POST ${WS}/governance/webhooks`]: () => ({ url: 'https://example.com/h', events: [] }),
  [`PUT ${WS}/governance/grc/gates`]: () => ({ name: 'g', framework: 'eu_ai_act', min_score: 50 }),
  [`POST ${WS}/governance/grc/derive-controls`]: () => ({ action_description: 'send email' }),
  [`POST ${WS}/governance/grc/frameworks/:framework/validate`]: () => ({}),
  [`PUT ${WS}/governance/grc/signing-key`]: () => ({ public_key: 'ab'.repeat(32) }),
  [`PUT ${WS}/mcp/servers/:name`]: () => ({
    agent_name: 'fuzz-agent',
    tools: [
      {
        name: 'tool',
        definition_sha256: HASH,
        risk: 'high',
        requires_approval: true,
        visible: true,
        flags: [],
      },
    ],
  }),
  [`POST ${WS}/scanner/ai-boms`]: () => ({
    system_name: 'fuzz',
    bom: { bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components: [] },
  }),
  [`POST ${WS}/policies/:name/versions`]: () => ({ source: 'defaults:\n  on_error: block\n' }),
  [`POST ${WS}/policy/precheck`]: () => ({
    tool: 'model.chat',
    raw_text: 'mail ana@example.com',
    corr_id: 'c',
  }),
  [`POST ${WS}/policy/postcheck`]: () => ({ tool: 'model.chat', raw_text: 'text', corr_id: 'c' }),
  ['POST /v1/precheck']: () => ({ tool: 'model.chat', raw_text: 'text' }),
  ['POST /v1/postcheck']: () => ({ tool: 'model.chat', raw_text: 'text' }),
  [`POST ${WS}/policy/decisions`]: () => ({
    decisions: [
      {
        decision_id: randomUUID(),
        decided_at: '2026-01-01T00:00:00Z',
        policy_id: 'p',
        policy_version: '1',
        rule_id: 'deny_tools',
        decision: 'deny',
        direction: 'ingress',
        reasons: ['tool.denied:x'],
        detector_kinds: [],
        findings: 0,
        tool: 'x',
      },
    ],
  }),
  [`PUT ${WS}/policy/agents/:agent`]: () => ({
    allowed_tools: ['read'],
    allowed_apis: ['GET https://api.example.com/v1/*'],
    hidden_tools: [],
  }),
  [`PUT ${WS}/policy/tools/:tool`]: () => ({ risk_level: 'high', requires_approval: true, description: 'd' }),
  [`PUT ${WS}/budgets`]: () => ({ period: 'day', limit_usd: 5, alert_thresholds: [0.5] }),
  [`POST ${WS}/budgets`]: () => ({ period: 'day', limit_usd: 5 }),
  [`POST ${WS}/budgets/leases`]: () => ({ scope: { system_name: 'fuzz' }, unit_usd: 0.01, units: 1 }),
  [`POST ${WS}/budgets/settle`]: () => ({
    settlements: [{ scope: { system_name: 'fuzz' }, model: 'gpt-4o', cost_usd: 0.01, tokens: 10 }],
  }),
  [`POST ${WS}/agents/heartbeat`]: () => ({
    agent_name: 'fuzz',
    instance_id: 'i-1',
    session_id: 's-1',
    state: 'live',
    metadata: { host: 'h' },
  }),
  [`POST ${WS}/agents/loops`]: () => ({
    agent_name: 'fuzz',
    tool_name: 'search',
    session_id: 's-1',
    calls: 12,
    window_seconds: 10,
    action: 'raise',
  }),
  [`POST ${WS}/agents/:name/kill`]: () => ({ reason: 'fuzz' }),
  [`POST ${WS}/agents/:name/revive`]: () => ({ reason: 'fuzz' }),
  ['POST /workspaces']: () => ({ name: 'fuzz' }),
}

import type { JSX } from 'hono/jsx/jsx-runtime'
import type { AgentScopeRow, ToolRow } from '../policy/policy-registry-store'
import type { PolicySummary, PolicyVersionRow, StoredDecision } from '../policy/policy-store'
import { DataTable, Layout, ShortId, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

const DECISION_BADGE: Readonly<Record<string, string>> = {
  allow: 'ok',
  redact: 'info',
  confirm: 'warn',
  deny: 'fail',
}

function Names(props: { names: readonly string[] }): JSX.Element {
  return (
    <div class="chips">
      {props.names.length === 0 ? (
        <span class="muted">none</span>
      ) : (
        props.names.map((name) => <span class="badge">{name}</span>)
      )}
    </div>
  )
}

/** Policies: every central policy with its newest version, the registered agent scopes and tools. */
export function PoliciesPage(props: {
  session: DashboardSession
  policies: readonly PolicySummary[]
  agents: readonly AgentScopeRow[]
  tools: readonly ToolRow[]
}): JSX.Element {
  return (
    <Layout session={props.session} section="policies" title="Policies">
      <h1>Policies</h1>
      <section class="card">
        {props.policies.length === 0 ? (
          <p class="muted" id="no-policies">
            No central policies yet. Upload one:{' '}
            <code>mima policy upload policy.yaml --name support-bot</code>
          </p>
        ) : (
          <DataTable
            id="policies"
            headings={['Policy', 'Version', 'Versions', 'Updated', 'Content hash']}
            rows={props.policies}
            row={(policy) => (
              <tr data-policy={policy.name}>
                <td>
                  <a href={`/dashboard/policies/${encodeURIComponent(policy.name)}`}>{policy.name}</a>
                </td>
                <td>{policy.latest_version}</td>
                <td>{policy.versions}</td>
                <td>
                  <Time value={policy.updated_at} />
                </td>
                <td>
                  <ShortId id={policy.content_hash} />
                </td>
              </tr>
            )}
          />
        )}
      </section>
      <section class="card">
        <h2>Agent scopes</h2>
        {props.agents.length === 0 ? (
          <p class="muted" id="no-agents">
            No agent has registered its scope (<code>createPolicyClient(mima).registerAgent(…)</code>).
          </p>
        ) : (
          <DataTable
            id="agent-scopes"
            headings={['Agent', 'Allowed tools', 'Allowed APIs', 'Hidden tools', 'Updated']}
            rows={props.agents}
            row={(agent) => (
              <tr data-agent={agent.agent}>
                <td class="wrap">{agent.agent}</td>
                <td>
                  <Names names={agent.allowed_tools} />
                </td>
                <td>
                  <Names names={agent.allowed_apis} />
                </td>
                <td>
                  <Names names={agent.hidden_tools} />
                </td>
                <td>
                  <Time value={agent.updated_at} />
                </td>
              </tr>
            )}
          />
        )}
      </section>
      <section class="card">
        <h2>Tools</h2>
        {props.tools.length === 0 ? (
          <p class="muted" id="no-tools">
            No tools registered.
          </p>
        ) : (
          <DataTable
            id="tools"
            headings={['Tool', 'Risk', 'Needs approval', 'Description']}
            rows={props.tools}
            row={(tool) => (
              <tr data-tool={tool.name}>
                <td>
                  <code>{tool.name}</code>
                </td>
                <td>
                  <span
                    class={`badge ${tool.risk_level === 'high' || tool.risk_level === 'critical' ? 'bad' : ''}`}
                  >
                    {tool.risk_level ?? 'unknown'}
                  </span>
                </td>
                <td>{tool.requires_approval ? 'yes' : 'no'}</td>
                <td class="wrap">{tool.description ?? ''}</td>
              </tr>
            )}
          />
        )}
      </section>
    </Layout>
  )
}

/** One policy: the version shown (the newest by default), every version, and its recent decisions. */
export function PolicyPage(props: {
  session: DashboardSession
  policy: PolicyVersionRow
  versions: readonly Omit<PolicyVersionRow, 'document' | 'source'>[]
  decisions: readonly StoredDecision[]
}): JSX.Element {
  const { policy } = props
  const base = `/dashboard/policies/${encodeURIComponent(policy.name)}`
  return (
    <Layout session={props.session} section="policies" title={`Policy ${policy.name}`}>
      <h1>
        Policy <code>{policy.name}</code>
      </h1>
      <section class="card" id="policy-version">
        <h2>{`Version ${policy.version}`}</h2>
        <p class="muted small">
          {`uploaded by ${policy.created_by} · `}
          <Time value={policy.created_at} />
          {' · '}
          <ShortId id={policy.content_hash} />
        </p>
        <pre class="mono" id="policy-source">
          {policy.source}
        </pre>
      </section>
      <section class="card">
        <h2>Versions</h2>
        <DataTable
          id="policy-versions"
          headings={['Version', 'Uploaded', 'By', 'Content hash']}
          rows={props.versions}
          row={(version) => (
            <tr
              data-version={String(version.version)}
              aria-current={version.version === policy.version ? 'true' : undefined}
            >
              <td>
                <a href={`${base}?version=${version.version}`}>{version.version}</a>
              </td>
              <td>
                <Time value={version.created_at} />
              </td>
              <td class="wrap">{version.created_by}</td>
              <td>
                <ShortId id={version.content_hash} />
              </td>
            </tr>
          )}
        />
      </section>
      <section class="card">
        <h2>Recent decisions</h2>
        {props.decisions.length === 0 ? (
          <p class="muted" id="no-decisions">
            No decisions recorded for this policy yet.
          </p>
        ) : (
          <DataTable
            id="policy-decisions"
            headings={['Decided', 'Decision', 'Version', 'Rule', 'Tool', 'Reasons', 'Kinds', 'Source']}
            rows={props.decisions}
            row={(decision) => (
              <tr data-decision-id={decision.decision_id}>
                <td>
                  <Time value={decision.decided_at} />
                </td>
                <td>
                  <span class={`badge ${DECISION_BADGE[decision.decision] ?? ''}`}>{decision.decision}</span>
                </td>
                <td>{decision.policy_version}</td>
                <td>
                  <code>{decision.rule_id}</code>
                </td>
                <td class="wrap">{decision.tool ?? ''}</td>
                <td class="wrap">{decision.reasons.join(', ')}</td>
                <td>
                  <div class="chips">
                    {decision.detector_kinds.map((kind) => (
                      <span class="badge">{kind}</span>
                    ))}
                  </div>
                </td>
                <td>{decision.source}</td>
              </tr>
            )}
          />
        )}
      </section>
    </Layout>
  )
}

import { resolve } from 'node:path'
import type { CommandContext } from '../cli/command'
import { fetchReadiness, type Readiness } from '../commands/readiness'
import { resolveConfig } from '../config/config'
import { type ApiClient, createApiClient } from '../http/api-client'
import {
  formatPolicyError,
  isPolicyError,
  loadPolicyFile,
  type PolicyAssertion,
  type PolicyFile,
  policyFilePaths,
} from './load-policy-files'

/** One assertion's outcome (the `--json` shape of the Python CLI). */
export interface AssertionResult {
  type: string
  description: string
  passed: boolean
  actual: string
  expected: string
  detail?: string
}

/** One policy file's outcome. */
export interface PolicyResult {
  policy_name: string
  framework: string
  file_path: string
  passed: boolean
  /** A parse error (with line and field) or an unreachable server. */
  error: string | null
  assertions: AssertionResult[]
}

/** What `mima policy check` found. */
export interface PolicyCheck {
  readonly results: PolicyResult[]
  /** A file failed to parse (exit 2). */
  readonly invalid: boolean
  /** The server could not be reached (exit 3). */
  readonly unreachable: boolean
}

const UNREACHABLE =
  'Could not reach the Mima API. Check MIMA_API_KEY, MIMA_WORKSPACE_ID and MIMA_BASE_URL, and that the server is running.'
const NO_API = 'Run `mima login` (or set MIMA_API_KEY and MIMA_WORKSPACE_ID) to check server-side evidence.'

interface Sources {
  readonly api: ApiClient | undefined
  readiness?: Readiness | 'unreachable'
}

async function readinessOf(sources: Sources): Promise<Readiness | 'unreachable' | undefined> {
  if (!sources.api) return undefined
  if (sources.readiness === undefined) {
    try {
      sources.readiness = await fetchReadiness(sources.api)
    } catch {
      sources.readiness = 'unreachable'
    }
  }
  return sources.readiness
}

async function evidenceCount(
  sources: Sources,
  recordType: string,
  since?: string,
): Promise<number | undefined> {
  if (!sources.api) return undefined
  try {
    const summary = await sources.api.request<{ count?: number }>(
      'GET',
      sources.api.workspacePath('governance/grc/evidence/summary'),
      { query: { record_type: recordType, ...(since ? { since } : {}) } },
    )
    return typeof summary.count === 'number' ? summary.count : undefined
  } catch {
    return undefined
  }
}

async function evaluate(
  assertion: PolicyAssertion,
  policy: PolicyFile,
  sources: Sources,
): Promise<AssertionResult> {
  const base = { type: assertion.type, description: assertion.description }
  switch (assertion.type) {
    case 'min_readiness_pct':
    case 'attested_not_inferred': {
      const readiness = await readinessOf(sources)
      const expected =
        assertion.type === 'min_readiness_pct' ? `>= ${assertion.threshold}%` : `>= ${assertion.min_pct}%`
      if (readiness === undefined)
        return { ...base, passed: false, actual: 'no API', expected, detail: NO_API }
      if (readiness === 'unreachable')
        return { ...base, passed: false, actual: 'unreachable', expected, detail: UNREACHABLE }
      const framework = readiness.frameworks.find((entry) => entry.framework === policy.framework)
      if (!framework)
        return {
          ...base,
          passed: false,
          actual: 'no data',
          expected,
          detail: `No readiness for ${policy.framework}.`,
        }
      if (assertion.type === 'min_readiness_pct') {
        return {
          ...base,
          passed: framework.score_pct >= assertion.threshold,
          actual: `${framework.score_pct}%`,
          expected,
        }
      }
      const covered = framework.controls_covered
      if (covered === 0) return { ...base, passed: false, actual: '0 controls covered', expected }
      const attested = framework.controls_covered_attested ?? covered
      const pct = Math.floor((attested / covered) * 100)
      return {
        ...base,
        passed: pct >= assertion.min_pct,
        actual: `${pct}%`,
        expected,
        detail: `${attested}/${covered} covered controls attested`,
      }
    }
    case 'record_type_present':
    case 'min_records_per_system': {
      const required = assertion.type === 'record_type_present' ? 1 : assertion.count
      const since =
        assertion.type === 'min_records_per_system' && assertion.per_days !== undefined
          ? new Date(Date.now() - assertion.per_days * 86_400_000).toISOString().slice(0, 10)
          : undefined
      const expected = `>= ${required} ${assertion.record_type}${since ? ` since ${since}` : ''}`
      if (!sources.api) return { ...base, passed: false, actual: 'no API', expected, detail: NO_API }
      const count = await evidenceCount(sources, assertion.record_type, since)
      if (count === undefined)
        return { ...base, passed: false, actual: 'unavailable', expected, detail: UNREACHABLE }
      return { ...base, passed: count >= required, actual: String(count), expected }
    }
    default: {
      const { scan } = await import('@mima/scanner')
      const result = await scan([resolve(assertion.path)], { cwd: process.cwd() })
      const high = result.findings.filter((finding) => finding.confidence === 'high').length
      const expected = `>= ${assertion.min_pct}%`
      if (high === 0) return { ...base, passed: true, actual: '100%', expected, detail: 'no AI calls found' }
      const pct = Math.floor(result.coverage * 100)
      return {
        ...base,
        passed: pct >= assertion.min_pct,
        actual: `${pct}%`,
        expected,
        detail: `${high - result.unattested}/${high} call sites attested in ${assertion.path}`,
      }
    }
  }
}

/** Loads and evaluates every policy file in `directory`, optionally for one framework. */
export async function checkPolicies(
  context: CommandContext,
  options: { directory: string; framework?: string },
): Promise<PolicyCheck> {
  const config = await resolveConfig({
    home: context.home,
    env: context.env,
    baseUrlFlag: context.baseUrlFlag,
  })
  const api =
    config.apiKey && config.workspaceId
      ? createApiClient({
          baseUrl: config.baseUrl,
          apiKey: config.apiKey,
          workspaceId: config.workspaceId,
          timeoutMs: 15_000,
        })
      : undefined
  const sources: Sources = { api }
  const results: PolicyResult[] = []
  let invalid = false
  let unreachable = false
  for (const file of policyFilePaths(options.directory)) {
    const loaded = loadPolicyFile(file)
    if (isPolicyError(loaded)) {
      invalid = true
      results.push({
        policy_name: '',
        framework: '',
        file_path: file,
        passed: false,
        error: formatPolicyError(loaded),
        assertions: [],
      })
      continue
    }
    if (options.framework && loaded.framework !== options.framework) continue
    const assertions: AssertionResult[] = []
    for (const assertion of loaded.assertions) assertions.push(await evaluate(assertion, loaded, sources))
    const serverDown =
      api !== undefined &&
      loaded.assertions.some((assertion) => assertion.type !== 'scan_coverage') &&
      assertions.some((assertion) => assertion.actual === 'unreachable' || assertion.actual === 'unavailable')
    if (serverDown) unreachable = true
    results.push({
      policy_name: loaded.name,
      framework: loaded.framework,
      file_path: file,
      passed: !serverDown && assertions.every((assertion) => assertion.passed),
      error: serverDown ? UNREACHABLE : null,
      assertions,
    })
  }
  return { results, invalid, unreachable }
}

import { MimaError } from '@mima/core'
import { FRAMEWORK_SLUGS, type FrameworkSlug } from '../catalog/control'
import type { ReadinessReport } from './compute-readiness'

/** `required` gates fail `gates check`; `advisory` gates only report. */
export type GateMode = 'required' | 'advisory'

/** The scope of a workspace-wide gate; any other scope is a system name (a per-system override). */
export const WORKSPACE_SCOPE = 'workspace'

/** A readiness gate: a framework must reach `threshold_pct`. */
export interface GatePolicy {
  readonly id: string
  readonly framework: FrameworkSlug
  readonly mode: GateMode
  /** Integer 0–100. */
  readonly threshold_pct: number
  /** `workspace`, or the system name the gate overrides the workspace gate for. */
  readonly scope: string
  readonly created_by?: string | null
  readonly created_at?: string | null
}

/** A gate as `PUT …/grc/gates` accepts it. */
export interface GatePolicyInput {
  readonly framework: FrameworkSlug
  readonly mode: GateMode
  readonly threshold_pct: number
  readonly scope: string
}

/** The result of one gate against the current readiness. */
export interface GateResult {
  readonly policy_id: string
  readonly framework: FrameworkSlug
  readonly mode: GateMode
  readonly scope: string
  readonly threshold_pct: number
  readonly current_pct: number
  /** `passing` when `current_pct >= threshold_pct`. */
  readonly status: 'passing' | 'failing'
}

/** `GET …/grc/gates/check`. */
export interface GateCheck {
  /** False when any `required` gate is failing; advisory gates never fail the check. */
  readonly passed: boolean
  readonly system_name: string | null
  readonly results: readonly GateResult[]
  readonly failing_required: number
  /** Frameworks without a gate (advisory by default: not checked). */
  readonly unconfigured_frameworks: readonly FrameworkSlug[]
  readonly rule: string
}

/** The rule a gate check follows, returned with the check. */
export const GATE_RULE: string =
  'Each framework uses the gate scoped to the system (when system_name is given), else the workspace gate. ' +
  'A gate passes when current_pct (the framework score_pct) >= threshold_pct. passed is false when any ' +
  'required gate fails; advisory gates and frameworks without a gate never fail the check.'

const MODES: readonly GateMode[] = ['required', 'advisory']

function invalid(field: string, message: string, allowed?: readonly string[]): MimaError {
  return new MimaError('validation_failed', `${field} ${message}`, {
    status: 422,
    details: { field, ...(allowed ? { allowed } : {}) },
  })
}

/**
 * Reads a gate from a request body: `framework` (one of the five slugs), `mode` (`required` |
 * `advisory`), `threshold_pct` (integer 0–100, default 80), `scope` (`workspace` or a system name;
 * `system_name` is accepted as the scope too). Throws `validation_failed` naming the field.
 */
export function parseGatePolicyInput(body: Readonly<Record<string, unknown>>): GatePolicyInput {
  const framework = body.framework
  if (typeof framework !== 'string' || !(FRAMEWORK_SLUGS as readonly string[]).includes(framework)) {
    throw invalid('framework', `must be one of ${FRAMEWORK_SLUGS.join(', ')}`, FRAMEWORK_SLUGS)
  }
  const mode = body.mode ?? 'required'
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    throw invalid('mode', `must be one of ${MODES.join(', ')}`, MODES)
  }
  const threshold = body.threshold_pct ?? 80
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0 || threshold > 100) {
    throw invalid('threshold_pct', 'must be an integer from 0 to 100')
  }
  const rawScope = body.scope ?? body.system_name ?? WORKSPACE_SCOPE
  if (typeof rawScope !== 'string' || rawScope.trim() === '' || rawScope.length > 256) {
    throw invalid('scope', 'must be "workspace" or a system name (at most 256 characters)')
  }
  return {
    framework: framework as FrameworkSlug,
    mode: mode as GateMode,
    threshold_pct: threshold,
    scope: rawScope.trim(),
  }
}

/** One gate against a readiness report. */
export function evaluateGate(policy: GatePolicy, readiness: ReadinessReport): GateResult {
  const current =
    readiness.frameworks.find((framework) => framework.framework === policy.framework)?.score_pct ?? 0
  return {
    policy_id: policy.id,
    framework: policy.framework,
    mode: policy.mode,
    scope: policy.scope,
    threshold_pct: policy.threshold_pct,
    current_pct: current,
    status: current >= policy.threshold_pct ? 'passing' : 'failing',
  }
}

/** The gates that apply: per framework the system's override when `systemName` is given, else the workspace gate. */
export function effectiveGates(policies: readonly GatePolicy[], systemName?: string): GatePolicy[] {
  const result: GatePolicy[] = []
  for (const framework of FRAMEWORK_SLUGS) {
    const forFramework = policies.filter((policy) => policy.framework === framework)
    const chosen =
      (systemName === undefined ? undefined : forFramework.find((policy) => policy.scope === systemName)) ??
      forFramework.find((policy) => policy.scope === WORKSPACE_SCOPE)
    if (chosen) result.push(chosen)
  }
  return result
}

/**
 * `gates check`: evaluates the effective gates against `readiness` (the system's readiness when
 * `systemName` is given).
 */
export function evaluateGates(options: {
  readonly policies: readonly GatePolicy[]
  readonly readiness: ReadinessReport
  readonly systemName?: string | undefined
}): GateCheck {
  const gates = effectiveGates(options.policies, options.systemName)
  const results = gates.map((policy) => evaluateGate(policy, options.readiness))
  const failingRequired = results.filter(
    (result) => result.mode === 'required' && result.status === 'failing',
  ).length
  return {
    passed: failingRequired === 0,
    system_name: options.systemName ?? null,
    results,
    failing_required: failingRequired,
    unconfigured_frameworks: FRAMEWORK_SLUGS.filter(
      (framework) => !gates.some((gate) => gate.framework === framework),
    ),
    rule: GATE_RULE,
  }
}

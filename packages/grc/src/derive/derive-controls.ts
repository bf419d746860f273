import { getControl, resolveControl } from '../catalog/catalog'
import type { ControlId, FrameworkSlug } from '../catalog/control'
import { possibleControls, recordTypesForControl } from '../mapping/map-record-to-controls'
import { LEGACY_RISK_LEVELS, RISK_TIERS } from '../records/payload-specs'
import { RECORD_TYPES, type RecordType } from '../records/record-types'

/** What {@link deriveControls} reads. */
export interface DeriveControlsInput {
  /** Free text: what the AI action or system does. */
  readonly actionDescription: string
  /** The system's risk tier when known (given by the caller or from its latest risk assessment). */
  readonly riskTier?: string | undefined
  /** Where `riskTier` came from. */
  readonly riskTierSource?: 'given' | 'system' | undefined
  /** The system's Annex III category when known. */
  readonly annexIiiCategory?: string | undefined
  /** Controls already evidenced in the workspace (canonical ids or aliases). */
  readonly coveredControls: Iterable<string>
}

/** A control the action needs and nothing evidences yet. */
export interface UncoveredControl {
  readonly control_id: ControlId
  readonly framework: FrameworkSlug
  readonly title: string
  /** The record types that would evidence it. */
  readonly record_types: readonly RecordType[]
}

/** `POST …/grc/derive-controls`. */
export interface DerivedControls {
  readonly system_risk_tier: string | null
  /** `given`, `system` (its latest ai_risk_assessment) or `inferred` (from Annex III keywords). */
  readonly risk_tier_source: 'given' | 'system' | 'inferred' | null
  readonly annex_iii_category: string | null
  /** True for high-risk systems, false for limited/minimal, null when the tier is unknown. */
  readonly art14_applicable: boolean | null
  /** The record types the action calls for, in `RECORD_TYPES` order. */
  readonly required_record_types: readonly RecordType[]
  readonly total_required: number
  readonly total_covered: number
  readonly uncovered_required_controls: readonly UncoveredControl[]
  /** The phrases that triggered each record type or category (explains the answer). */
  readonly signals: readonly string[]
  readonly warnings: readonly string[]
}

const ANNEX_KEYWORDS: Readonly<Record<string, RegExp>> = {
  biometric_identification:
    /\b(biometric|face recognition|facial|fingerprint|voice ?print|emotion recognition)/i,
  critical_infrastructure:
    /\b(power grid|electricity|water supply|gas supply|heating|road traffic|critical infrastructure)/i,
  education_vocational: /\b(admission|exam|grading|proctor|student|pupil|school|universit)/i,
  employment_management:
    /\b(hiring|recruit|candidate|cv|resume|job applica|promotion|termination|employee performance|worker)/i,
  essential_services: /\b(credit|loan|creditworth|insurance|benefit|social security|emergency call|triage)/i,
  law_enforcement: /\b(police|crime|criminal|law enforcement|suspect|recidivism)/i,
  migration_border: /\b(visa|asylum|border|immigration|migration)/i,
  justice_democratic: /\b(court|judge|judicial|sentenc|election|voting|voter)/i,
}

const RECORD_KEYWORDS: ReadonlyArray<readonly [RecordType, RegExp]> = [
  ['change_event', /\b(deploy|release|roll ?out|ship|upgrade|update|prompt change|change)/i],
  ['vendor_risk', /\b(vendor|third[- ]party|supplier|openai|anthropic|provider|external api)/i],
  ['access_review', /\b(access|permission|credential|privilege|role)/i],
  ['training_data_governance', /\b(train|fine[- ]?tun|dataset|training data|personal data)/i],
  ['incident_report', /\b(incident|outage|breach|harm)/i],
  ['human_oversight', /\b(approv|human|review|decid|decision|override|oversight)/i],
  ['model_evaluation', /\b(evaluat|benchmark|accuracy|test|bias|fairness|robust)/i],
  ['model_drift_event', /\b(monitor|drift|production)/i],
  ['policy_acknowledged', /\b(policy|policies|acceptable use)/i],
  ['deployer_obligations_review', /\b(deployer|we deploy|in-house use|use a third-party model)/i],
]

const HIGH_RISK_RECORD_TYPES: readonly RecordType[] = [
  'model_evaluation',
  'human_oversight',
  'training_data_governance',
  'model_drift_event',
  'incident_report',
  'quality_management_review',
]

const KNOWN_TIERS: readonly string[] = [...RISK_TIERS, ...LEGACY_RISK_LEVELS]

/**
 * From a description of an AI action to the controls it needs and which of them nothing evidences
 * yet. A keyword heuristic, explained in `signals`: Annex III keywords make a system high-risk
 * (unless a tier is known), high-risk systems need the EU AI Act provider evidence, and phrases such
 * as "deploy", "vendor", "approve" add the record types that evidence them. Limited and minimal
 * risk systems do not need the EU AI Act high-risk controls.
 */
export function deriveControls(input: DeriveControlsInput): DerivedControls {
  const text = input.actionDescription
  const signals: string[] = []
  const warnings: string[] = []

  let annex = input.annexIiiCategory ?? null
  if (annex === null) {
    for (const [category, pattern] of Object.entries(ANNEX_KEYWORDS)) {
      const match = pattern.exec(text)
      if (match) {
        annex = category
        signals.push(`"${match[0]}" suggests Annex III ${category}`)
        break
      }
    }
  }
  let tier: string | null = input.riskTier ?? null
  let tierSource: DerivedControls['risk_tier_source'] =
    tier === null ? null : (input.riskTierSource ?? 'given')
  if (tier === null && annex !== null && annex !== 'not_annex_iii') {
    tier = 'high'
    tierSource = 'inferred'
  }
  if (tier !== null && !KNOWN_TIERS.includes(tier))
    warnings.push(`Unknown risk tier "${tier}"; treated as unknown.`)
  if (tier === 'unacceptable')
    warnings.push('An unacceptable-risk system is a prohibited practice (EU AI Act Art. 5).')
  const highRisk = tier === 'high' || tier === 'unacceptable'
  const lowRisk = tier === 'limited' || tier === 'minimal' || tier === 'low' || tier === 'medium'

  const recordTypes = new Set<RecordType>(['ai_risk_assessment'])
  signals.push('ai_risk_assessment: every AI system needs a risk classification')
  if (highRisk) {
    for (const recordType of HIGH_RISK_RECORD_TYPES) recordTypes.add(recordType)
    signals.push(`${tier}-risk: ${HIGH_RISK_RECORD_TYPES.join(', ')}`)
  }
  for (const [recordType, pattern] of RECORD_KEYWORDS) {
    const match = pattern.exec(text)
    if (match && !recordTypes.has(recordType)) {
      recordTypes.add(recordType)
      signals.push(`"${match[0]}" → ${recordType}`)
    }
  }
  const ordered = RECORD_TYPES.filter((recordType) => recordTypes.has(recordType))

  const needed: ControlId[] = []
  for (const recordType of ordered) {
    for (const possible of possibleControls(recordType)) {
      if (lowRisk && possible.framework === 'eu_ai_act') continue
      if (!needed.includes(possible.control_id)) needed.push(possible.control_id)
    }
  }
  const covered = new Set<string>()
  for (const id of input.coveredControls) {
    const control = resolveControl(id)
    if (control) covered.add(control.id)
  }
  const uncovered = needed
    .filter((id) => !covered.has(id))
    .map((id): UncoveredControl => {
      const control = getControl(id)
      return {
        control_id: id,
        framework: control?.framework ?? (id.slice(0, id.indexOf(':')) as FrameworkSlug),
        title: control?.title ?? id,
        record_types: recordTypesForControl(id).filter((recordType) => recordTypes.has(recordType)),
      }
    })
  return {
    system_risk_tier: tier,
    risk_tier_source: tierSource,
    annex_iii_category: annex,
    art14_applicable: highRisk ? true : lowRisk ? false : null,
    required_record_types: ordered,
    total_required: needed.length,
    total_covered: needed.length - uncovered.length,
    uncovered_required_controls: uncovered,
    signals,
    warnings,
  }
}

import type { ControlId } from '../catalog/control'
import type { RecordType } from '../records/record-types'

/** A record payload as the mapping sees it: any JSON object. */
export type PayloadView = Readonly<Record<string, unknown>>

/** One rule of the record → control mapping: the controls earned, and when. */
export interface MappingRule {
  /** The canonical ids the rule earns. */
  readonly controls: readonly ControlId[]
  /** A condition on the payload; a rule without one always applies. */
  readonly when?: {
    /** The condition in words, shown by `grc/frameworks` and the CLI. */
    readonly description: string
    readonly test: (payload: PayloadView) => boolean
  }
}

const present = (value: unknown): boolean =>
  value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '')
const nonEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length > 0
const isFiniteNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value)

/** `human_oversight` from an approval (`oversight_status`): only a human decision earns oversight. */
const HUMAN_DECIDED_STATUSES: ReadonlySet<string> = new Set(['approved', 'rejected'])
const oversightExercised = (payload: PayloadView): boolean =>
  payload.oversight_status === undefined || HUMAN_DECIDED_STATUSES.has(String(payload.oversight_status))

/**
 * The record → control mapping, as data: for each record type, the rules that earn controls.
 * The server (evidence pushes, readiness) and the CLI (`mima push --dry-run`) share it.
 */
export const MAPPING_RULES: Readonly<Record<RecordType, readonly MappingRule[]>> = {
  ai_risk_assessment: [
    {
      controls: [
        'eu_ai_act:art_9',
        'iso_42001:6.1.2',
        'iso_42001:8.2',
        'soc2_type2:CC3.2',
        'nist_airf:GOVERN-1.6',
        'nist_airf:MAP-1.1',
      ],
    },
    {
      controls: ['eu_ai_act:art_11', 'eu_ai_act:art_13'],
      when: {
        description: 'technical_doc_url is given (Annex IV documentation and instructions for use)',
        test: (payload) => present(payload.technical_doc_url),
      },
    },
    {
      controls: ['iso_42001:6.1.4', 'iso_42001:8.4', 'nist_airf:MAP-5.1'],
      when: {
        description: 'impact_domains lists at least one domain (impact assessment)',
        test: (payload) => nonEmptyList(payload.impact_domains),
      },
    },
  ],
  model_evaluation: [
    {
      controls: [
        'eu_ai_act:art_9',
        'eu_ai_act:art_15',
        'iso_42001:9.1',
        'iso_42001:A.6.2.4',
        'nist_airf:MEASURE-2.3',
        'nist_airf:MEASURE-2.5',
      ],
    },
    {
      controls: ['nist_airf:MEASURE-2.11'],
      when: {
        description: 'bias_metrics is a non-empty object',
        test: (payload) =>
          typeof payload.bias_metrics === 'object' &&
          payload.bias_metrics !== null &&
          !Array.isArray(payload.bias_metrics) &&
          Object.keys(payload.bias_metrics).length > 0,
      },
    },
    {
      controls: ['eu_ai_act:art_15.4', 'nist_airf:MEASURE-2.6'],
      when: {
        description: 'robustness_score is a number',
        test: (payload) => isFiniteNumber(payload.robustness_score),
      },
    },
  ],
  human_oversight: [
    {
      controls: ['eu_ai_act:art_14', 'iso_42001:A.9.2', 'nist_airf:GOVERN-3.2', 'nist_airf:MAP-3.5'],
      when: {
        description:
          'a human decided: no oversight_status, or oversight_status approved/rejected (timeout_unblocked earns nothing)',
        test: oversightExercised,
      },
    },
  ],
  training_data_governance: [
    { controls: ['iso_42001:A.7.2', 'iso_42001:A.7.4', 'iso_42001:A.7.5', 'nist_airf:MAP-2.3'] },
    {
      controls: ['eu_ai_act:art_10', 'nist_airf:MEASURE-2.11'],
      when: {
        description: 'bias_checks_performed is true (Art. 10(2)(f) bias examination)',
        test: (payload) => payload.bias_checks_performed === true,
      },
    },
  ],
  incident_report: [
    {
      controls: [
        'iso_42001:10.2',
        'iso_27001:A.5.25',
        'iso_27001:A.5.26',
        'soc2_type2:CC7.3',
        'soc2_type2:CC7.4',
        'nist_airf:MANAGE-4.3',
      ],
    },
    {
      controls: ['eu_ai_act:art_73', 'iso_42001:A.8.4'],
      when: {
        description: 'authority_notified_at is given (serious incident reported to the authority)',
        test: (payload) => present(payload.authority_notified_at),
      },
    },
  ],
  access_review: [
    {
      controls: [
        'iso_27001:A.5.15',
        'iso_27001:A.5.16',
        'iso_27001:A.5.18',
        'soc2_type2:CC6.1',
        'soc2_type2:CC6.2',
        'soc2_type2:CC6.3',
      ],
    },
  ],
  change_event: [{ controls: ['iso_42001:8.1', 'iso_27001:A.8.32', 'soc2_type2:CC8.1'] }],
  vendor_risk: [
    {
      controls: [
        'iso_42001:A.10.3',
        'iso_27001:A.5.19',
        'iso_27001:A.5.22',
        'soc2_type2:CC9.2',
        'nist_airf:GOVERN-6.1',
        'nist_airf:MANAGE-3.1',
      ],
    },
  ],
  policy_acknowledged: [
    {
      controls: [
        'iso_42001:7.3',
        'iso_27001:A.5.1',
        'iso_27001:A.6.3',
        'soc2_type2:CC1.1',
        'soc2_type2:CC2.2',
        'nist_airf:GOVERN-2.1',
      ],
    },
  ],
  model_drift_event: [
    {
      controls: [
        'eu_ai_act:art_72',
        'iso_42001:9.1',
        'iso_42001:A.6.2.6',
        'soc2_type2:CC7.2',
        'nist_airf:MEASURE-2.4',
        'nist_airf:MANAGE-4.1',
      ],
    },
  ],
  governance_review: [
    {
      controls: [
        'iso_42001:9.3',
        'soc2_type2:CC4.1',
        'soc2_type2:CC4.2',
        'nist_airf:GOVERN-1.1',
        'nist_airf:GOVERN-1.5',
      ],
    },
    {
      controls: ['iso_42001:9.2'],
      when: {
        description: 'report_type names an audit (e.g. internal_audit)',
        test: (payload) => typeof payload.report_type === 'string' && /audit/i.test(payload.report_type),
      },
    },
  ],
  quality_management_review: [
    { controls: ['eu_ai_act:art_17', 'iso_42001:A.6.1.3', 'soc2_type2:CC5.3', 'nist_airf:GOVERN-1.4'] },
  ],
  deployer_obligations_review: [
    { controls: ['eu_ai_act:art_26', 'iso_42001:A.9.2'] },
    {
      controls: ['eu_ai_act:art_14', 'nist_airf:MAP-3.5'],
      when: {
        description: 'human_oversight_implemented is true',
        test: (payload) => payload.human_oversight_implemented === true,
      },
    },
  ],
}

import { FRAMEWORK_CATALOGS, requiredControls, resolveControl } from '../catalog/catalog'
import type { ControlId, FrameworkSlug } from '../catalog/control'

/**
 * Where a piece of evidence came from. `estate_auto` records are platform-inferred ("indicative
 * only"); every other source (`sdk`, `cli`, …) was pushed by the workspace and counts as attested.
 */
export type EvidenceSource = 'sdk' | 'estate_auto' | (string & {})

/** One control that at least one record evidences, and how. */
export interface ControlCoverage {
  /** A canonical id or any alias (`EUAIA_ART9`); unknown ids are ignored. */
  readonly controlId: string
  /** Whether at least one record evidencing it is not `estate_auto`. */
  readonly attested: boolean
}

/** When an admin validated a framework's control list. */
export interface FrameworkValidation {
  /** ISO-8601. */
  readonly validatedAt: string
  readonly validatedBy: string
}

/** What {@link computeReadiness} needs. */
export interface ComputeReadinessInput {
  /** The controls evidenced so far (one entry per control; duplicates are merged). */
  readonly coverage: Iterable<ControlCoverage>
  /** Records that map to at least one control of the framework (`records_total`). */
  readonly recordsByFramework?: Partial<Record<FrameworkSlug, number>>
  /** Frameworks an admin validated. */
  readonly validations?: Partial<Record<FrameworkSlug, FrameworkValidation>>
}

/** Readiness of one framework, as `GET …/grc/readiness` returns it. */
export interface FrameworkReadiness {
  readonly framework: FrameworkSlug
  /** The label the CLI prints, e.g. `SOC 2 Type II`. */
  readonly label: string
  /** `floor(controls_covered / controls_required × 100)`. */
  readonly score_pct: number
  readonly controls_covered: number
  readonly controls_required: number
  /** Covered by at least one record that is not `estate_auto`. */
  readonly controls_covered_attested: number
  /** `controls_covered − controls_covered_attested`: covered only by inferred (`estate_auto`) records. */
  readonly controls_inferred: number
  /** `floor(controls_covered_attested / controls_required × 100)`. */
  readonly attested_pct: number
  readonly records_total: number
  /** Whether an admin validated the framework's control list (scores are "indicative only" until then). */
  readonly validated: boolean
  readonly validated_at: string | null
  readonly validated_by: string | null
  /** Required controls with no evidence yet, in catalog order. */
  readonly missing_controls: readonly ControlId[]
}

/** The rule `overall_pct` follows. */
export const OVERALL_RULE = 'weakest_framework'

/** The rule in words, returned with every readiness answer. */
export const OVERALL_RULE_DESCRIPTION: string =
  'overall_pct is the lowest score_pct among the frameworks with controls_required > 0 (weakest link: a ' +
  'certification chain is only as strong as its weakest framework). score_pct = floor(controls_covered / ' +
  'controls_required × 100); a control is covered when at least one record maps to it, attested when one of ' +
  'those records is not estate_auto.'

/** `GET …/grc/readiness`. */
export interface ReadinessReport {
  readonly overall_pct: number
  readonly overall_rule: typeof OVERALL_RULE
  readonly overall_rule_description: string
  /** The framework that sets `overall_pct` (the first in catalog order on a tie), or null. */
  readonly weakest_framework: FrameworkSlug | null
  readonly frameworks: readonly FrameworkReadiness[]
}

const percent = (part: number, whole: number): number => (whole === 0 ? 0 : Math.floor((part * 100) / whole))

/**
 * Readiness per framework and overall (weakest framework), from the controls the workspace's
 * records evidence.
 *
 * @example
 * ```ts
 * const report = computeReadiness({ coverage: [{ controlId: 'eu_ai_act:art_9', attested: true }] })
 * report.frameworks[0] // { framework: 'eu_ai_act', controls_covered: 1, controls_required: 11, score_pct: 9, … }
 * ```
 */
export function computeReadiness(input: ComputeReadinessInput): ReadinessReport {
  const attestedById = new Map<string, boolean>()
  for (const entry of input.coverage) {
    const control = resolveControl(entry.controlId)
    if (!control) continue
    attestedById.set(control.id, (attestedById.get(control.id) ?? false) || entry.attested)
  }
  const frameworks = FRAMEWORK_CATALOGS.map((catalog): FrameworkReadiness => {
    const required = requiredControls(catalog.framework)
    const covered = required.filter((control) => attestedById.has(control.id))
    const attested = covered.filter((control) => attestedById.get(control.id) === true)
    const validation = input.validations?.[catalog.framework]
    return {
      framework: catalog.framework,
      label: catalog.label,
      score_pct: percent(covered.length, required.length),
      controls_covered: covered.length,
      controls_required: required.length,
      controls_covered_attested: attested.length,
      controls_inferred: covered.length - attested.length,
      attested_pct: percent(attested.length, required.length),
      records_total: input.recordsByFramework?.[catalog.framework] ?? 0,
      validated: validation !== undefined,
      validated_at: validation?.validatedAt ?? null,
      validated_by: validation?.validatedBy ?? null,
      missing_controls: required
        .filter((control) => !attestedById.has(control.id))
        .map((control) => control.id),
    }
  })
  let weakest: FrameworkReadiness | undefined
  for (const framework of frameworks) {
    if (framework.controls_required === 0) continue
    if (weakest === undefined || framework.score_pct < weakest.score_pct) weakest = framework
  }
  return {
    overall_pct: weakest?.score_pct ?? 0,
    overall_rule: OVERALL_RULE,
    overall_rule_description: OVERALL_RULE_DESCRIPTION,
    weakest_framework: weakest?.framework ?? null,
    frameworks,
  }
}

/**
 * The five framework slugs, as used on the wire (readiness, gates, policy files).
 */
export const FRAMEWORK_SLUGS: readonly ['eu_ai_act', 'iso_42001', 'iso_27001', 'soc2_type2', 'nist_airf'] = [
  'eu_ai_act',
  'iso_42001',
  'iso_27001',
  'soc2_type2',
  'nist_airf',
] as const

/** One of the five framework slugs in {@link FRAMEWORK_SLUGS}. */
export type FrameworkSlug = (typeof FRAMEWORK_SLUGS)[number]

/**
 * A canonical control id: `<framework slug>:<the control's own reference in the standard>`,
 * e.g. `eu_ai_act:art_14`, `iso_42001:6.1.2`, `iso_42001:A.9.2`, `iso_27001:A.5.18`,
 * `soc2_type2:CC7.3`, `nist_airf:MEASURE-2.11`.
 */
export type ControlId = `${FrameworkSlug}:${string}`

/** One control of a framework, as the catalog data files declare it. */
export interface Control {
  /** The canonical id, `<framework>:<ref>`. */
  readonly id: ControlId
  /** The framework the control belongs to. */
  readonly framework: FrameworkSlug
  /** The control's reference as the standard writes it, e.g. `Art. 14`, `A.5.18`, `CC7.3`, `MEASURE 2.11`. */
  readonly ref: string
  /** The control's title (or, for SOC 2 and NIST AI RMF, a short name of the criterion). */
  readonly title: string
  /** The requirement in the standard's words, shortened where long. */
  readonly description: string
  /**
   * Whether the control counts towards readiness (`controls_required`). Controls that Mima's records
   * cannot evidence are kept in the catalog (for aliases and completeness) with `required: false`.
   */
  readonly required: boolean
  /** Other ids the Python project (and older numbering) uses for this control. Matched case-insensitively. */
  readonly aliases: readonly string[]
  /** Why a control is not required, or how it is evidenced outside GRC records. */
  readonly note?: string
}

/** A framework and its controls: one data file per framework. */
export interface FrameworkCatalog {
  readonly framework: FrameworkSlug
  /** The label the CLI prints, e.g. `SOC 2 Type II`. */
  readonly label: string
  /** The edition the control references follow. */
  readonly edition: string
  readonly controls: readonly Control[]
}

/** Builds a control entry (used by the framework data files). */
export function defineControl(
  framework: FrameworkSlug,
  ref: string,
  key: string,
  title: string,
  description: string,
  options: { required?: boolean; aliases?: readonly string[]; note?: string } = {},
): Control {
  return {
    id: `${framework}:${key}`,
    framework,
    ref,
    title,
    description,
    required: options.required ?? true,
    aliases: options.aliases ?? [],
    ...(options.note === undefined ? {} : { note: options.note }),
  }
}

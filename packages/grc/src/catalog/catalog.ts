import type { Control, ControlId, FrameworkCatalog, FrameworkSlug } from './control'
import { EU_AI_ACT } from './frameworks/eu-ai-act'
import { ISO_27001 } from './frameworks/iso-27001'
import { ISO_42001 } from './frameworks/iso-42001'
import { NIST_AIRF } from './frameworks/nist-airf'
import { SOC2_TYPE2 } from './frameworks/soc2-type2'

/** The five framework catalogs, in the order readiness reports them. */
export const FRAMEWORK_CATALOGS: readonly FrameworkCatalog[] = [
  EU_AI_ACT,
  ISO_42001,
  ISO_27001,
  SOC2_TYPE2,
  NIST_AIRF,
]

const NIST_SHORT: Readonly<Record<string, string>> = {
  GOVERN: 'GOV',
  MAP: 'MAP',
  MEASURE: 'MEA',
  MANAGE: 'MAN',
}

/**
 * The ids the Python project's four schemes produce for a control, derived from its reference:
 * `EUAIA_ART9`, `ISO42001_6.1.2`/`ISO42001_6_1_2`, `ISO27001_2022_5.16`/`ISO27001_2022_5_16`,
 * `SOC2_CC6.1`/`SOC2_CC6_1`, `NISTAI_GOVERN1.1`/`NISTAI_GOV1.1`/`NIST_AIRF_GOV_1_1`.
 */
function derivedAliases(control: Control): string[] {
  const key = control.id.slice(control.framework.length + 1)
  switch (control.framework) {
    case 'eu_ai_act': {
      const match = /^art_(\d+)$/.exec(key)
      return match ? [`EUAIA_ART${match[1]}`] : []
    }
    case 'iso_42001':
      return [`ISO42001_${key}`, `ISO42001_${key.replaceAll('.', '_')}`]
    case 'iso_27001': {
      const number = key.replace(/^A\./, '')
      return [`ISO27001_2022_${number}`, `ISO27001_2022_${number.replaceAll('.', '_')}`]
    }
    case 'soc2_type2':
      return [`SOC2_${key}`, `SOC2_${key.replaceAll('.', '_')}`]
    case 'nist_airf': {
      const [fn = '', number = ''] = key.split('-')
      const short = NIST_SHORT[fn] ?? fn
      return [
        `NISTAI_${fn}${number}`,
        `NISTAI_${short}${number}`,
        `NIST_AIRF_${short}_${number.replaceAll('.', '_')}`,
      ]
    }
  }
}

const CONTROLS_BY_ID: ReadonlyMap<string, Control> = new Map(
  FRAMEWORK_CATALOGS.flatMap((catalog) => catalog.controls.map((control) => [control.id, control] as const)),
)

const CONTROL_BY_ALIAS: ReadonlyMap<string, Control> = (() => {
  const map = new Map<string, Control>()
  for (const catalog of FRAMEWORK_CATALOGS) {
    for (const control of catalog.controls) {
      for (const alias of [...control.aliases, ...derivedAliases(control)]) {
        const key = alias.toUpperCase()
        const existing = map.get(key)
        if (existing && existing.id !== control.id) {
          throw new Error(`Alias ${alias} names both ${existing.id} and ${control.id}`)
        }
        map.set(key, control)
      }
    }
  }
  return map
})()

/** Every control of every framework, in catalog order. */
export function listControls(framework?: FrameworkSlug): readonly Control[] {
  return FRAMEWORK_CATALOGS.filter(
    (catalog) => framework === undefined || catalog.framework === framework,
  ).flatMap((catalog) => catalog.controls)
}

/** The controls that count towards a framework's readiness (`controls_required`). */
export function requiredControls(framework: FrameworkSlug): readonly Control[] {
  return listControls(framework).filter((control) => control.required)
}

/** The catalog of one framework. */
export function getFrameworkCatalog(framework: FrameworkSlug): FrameworkCatalog {
  const catalog = FRAMEWORK_CATALOGS.find((entry) => entry.framework === framework)
  if (!catalog) throw new Error(`Unknown framework ${framework}`)
  return catalog
}

/** The control with this canonical id, or `undefined`. */
export function getControl(id: string): Control | undefined {
  return CONTROLS_BY_ID.get(id)
}

/**
 * Resolves a canonical id or any alias (the Python project's `EUAIA_ART14`, `SOC2_CC6_1`,
 * `ISO27001_A.9.2`, `NISTAI_GOV1.1`, `NIST_AIRF_MEA_2_5`, …; case-insensitive) to the catalog control.
 *
 * @example
 * ```ts
 * resolveControl('ISO27001_A.9.2')?.id // 'iso_27001:A.5.18'
 * ```
 */
export function resolveControl(idOrAlias: string): Control | undefined {
  return CONTROLS_BY_ID.get(idOrAlias) ?? CONTROL_BY_ALIAS.get(idOrAlias.toUpperCase())
}

/** The aliases a control answers to (declared plus derived from the Python project's schemes). */
export function controlAliases(id: ControlId): readonly string[] {
  const control = CONTROLS_BY_ID.get(id)
  return control ? [...new Set([...control.aliases, ...derivedAliases(control)])] : []
}

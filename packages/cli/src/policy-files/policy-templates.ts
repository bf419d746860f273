/** The frameworks with a starter policy, in the order `mima policy init` writes them. */
export const POLICY_TEMPLATE_FRAMEWORKS: readonly string[] = [
  'eu_ai_act',
  'soc2_type2',
  'iso_42001',
  'nist_airf',
  'iso_27001',
]

const TEMPLATES: Readonly<Record<string, string>> = {
  eu_ai_act: `name: EU AI Act Art.9 Readiness
framework: eu_ai_act
version: 1
assertions:
  - type: min_readiness_pct
    threshold: 80
    description: EU AI Act readiness at least 80%
  - type: record_type_present
    record_type: ai_risk_assessment
    description: A risk management record exists (Art. 9)
  - type: record_type_present
    record_type: human_oversight
    description: Human oversight is evidenced (Art. 14)
  - type: attested_not_inferred
    min_pct: 60
    description: At least 60% of covered controls are attested, not inferred
  - type: scan_coverage
    min_pct: 80
    path: .
    description: At least 80% of AI call sites are attested
`,
  soc2_type2: `name: SOC 2 Type II Gate
framework: soc2_type2
version: 1
assertions:
  - type: min_readiness_pct
    threshold: 70
  - type: record_type_present
    record_type: access_review
    description: Access reviews are recorded (CC6.1)
  - type: record_type_present
    record_type: incident_report
    description: Incident response is evidenced (CC7.3)
  - type: attested_not_inferred
    min_pct: 50
`,
  iso_42001: `name: ISO 42001 AI Management System
framework: iso_42001
version: 1
assertions:
  - type: min_readiness_pct
    threshold: 70
  - type: record_type_present
    record_type: ai_risk_assessment
    description: AI risk assessment (clause 6.1)
  - type: record_type_present
    record_type: model_evaluation
    description: Model evaluation (clause 6.3)
`,
  nist_airf: `name: NIST AI RMF Gate
framework: nist_airf
version: 1
assertions:
  - type: min_readiness_pct
    threshold: 60
  - type: record_type_present
    record_type: ai_risk_assessment
  - type: record_type_present
    record_type: model_evaluation
`,
  iso_27001: `name: ISO 27001:2022 Gate
framework: iso_27001
version: 1
assertions:
  - type: min_readiness_pct
    threshold: 70
  - type: record_type_present
    record_type: access_review
    description: Access rights are reviewed (5.16, 5.18)
`,
}

/** The starter policy YAML for a framework slug, or `undefined` for an unknown one. */
export function policyTemplate(framework: string): string | undefined {
  return Object.hasOwn(TEMPLATES, framework) ? TEMPLATES[framework] : undefined
}

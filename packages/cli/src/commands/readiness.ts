import type { ApiClient } from '../http/api-client'

/** One framework in `GET …/grc/readiness` (reference §1.3). */
export interface FrameworkReadiness {
  framework: string
  name?: string
  score_pct: number
  controls_covered: number
  controls_required: number
  controls_covered_attested?: number
  validated_at?: string | null
  validated_by?: string | null
  records_total?: number
}

/** `GET …/grc/readiness`. */
export interface Readiness {
  overall_pct: number
  overall_rule?: string
  weakest_framework?: string | null
  frameworks: FrameworkReadiness[]
}

/** Fetches readiness; the caller decides whether a failure matters. */
export async function fetchReadiness(api: ApiClient, systemName?: string): Promise<Readiness> {
  const readiness = await api.request<Readiness>('GET', api.workspacePath('governance/grc/readiness'), {
    query: { system_name: systemName },
  })
  return { ...readiness, frameworks: Array.isArray(readiness?.frameworks) ? readiness.frameworks : [] }
}

/** Fetches readiness, or `undefined` on any failure (for best-effort deltas). */
export async function tryFetchReadiness(api: ApiClient): Promise<Readiness | undefined> {
  try {
    return await fetchReadiness(api)
  } catch {
    return undefined
  }
}

/** The per-framework change between two readiness snapshots. */
export interface ReadinessDelta {
  framework: string
  before_pct: number
  after_pct: number
  delta_pct: number
  controls_gained: number
}

/** Frameworks whose score or covered controls changed, plus the overall change. */
export function readinessDelta(
  before: Readiness,
  after: Readiness,
): { frameworks: ReadinessDelta[]; overall_before: number; overall_after: number } {
  const frameworks: ReadinessDelta[] = []
  for (const current of after.frameworks) {
    const previous = before.frameworks.find((framework) => framework.framework === current.framework)
    const beforePct = previous?.score_pct ?? 0
    const gained = current.controls_covered - (previous?.controls_covered ?? 0)
    if (current.score_pct !== beforePct || gained !== 0) {
      frameworks.push({
        framework: current.framework,
        before_pct: beforePct,
        after_pct: current.score_pct,
        delta_pct: current.score_pct - beforePct,
        controls_gained: gained,
      })
    }
  }
  return { frameworks, overall_before: before.overall_pct, overall_after: after.overall_pct }
}

import { verifyLedger } from '../dashboard/dashboard-queries'
import type { Ledger } from '../ledger/ledger'
import type { Queryable } from '../storage/database'
import type { ReportFilters } from './report-data'

/** Format tag of every report's JSON. */
export const REPORT_FORMAT = 'mima-report/1'

/** How far the evidence meets one requirement. */
export type SectionStatus = 'compliant' | 'partial' | 'non_compliant'

/** One labelled figure of a section (what the HTML and Markdown exports show as a table row). */
export interface ReportFact {
  label: string
  value: string | number | null
}

/** One section of a report: for Article 12, one of its seven logging requirements. */
export interface ReportSection {
  /** Stable id (`event_registration`, …). */
  id: string
  title: string
  /** Where the requirement comes from (`Art. 12(1)`, …). */
  reference: string
  description: string
  status: SectionStatus
  /** Why the status is what it is, in one sentence. */
  status_reason: string
  facts: ReportFact[]
  /** The figures behind the facts, for machines. */
  data: Record<string, unknown>
}

/** The ledger check every report carries. */
export interface ChainVerification {
  tree_size: number
  root_hash: string
  signed_at: string
  public_key: string
  signature_valid: boolean
  leaves_checked: number
  root_matches: boolean
  leaf_mismatches: number
}

/** A generated report (`article12` or `summary`), immutable once generated. */
export interface ComplianceReport {
  format: typeof REPORT_FORMAT
  report_type: 'article12' | 'summary'
  report_id: string
  title: string
  generated_at: string
  workspace_id: string
  filters: {
    since: string | null
    until: string | null
    system_name: string | null
    agent_name: string | null
  }
  sections: ReportSection[]
  /** Counts of sections per status. */
  status_counts: Record<SectionStatus, number>
  /** `verified` when the signed head's signature and the recomputed root both check; else `failed`. */
  chain_integrity_status: 'verified' | 'failed'
  chain_verification: ChainVerification
  /** What the report does not see. Always present. */
  coverage_caveat: string
  /**
   * Share of the AI calls the guard saw that were attested, in [0, 1]; null when the guard
   * reported nothing in the period (coverage then cannot be estimated, which is not 100%).
   */
  coverage_pct: number | null
}

/** A ledger check's outcome as reports carry it. */
export interface ChainCheck {
  status: 'verified' | 'failed'
  verification: ChainVerification
}

/** Runs the ledger check for a report. */
export async function chainVerification(
  database: Queryable,
  ledger: Ledger,
  workspaceId: string,
): Promise<ChainCheck> {
  const result = await verifyLedger(database, ledger, workspaceId)
  return {
    status: result.ok ? 'verified' : 'failed',
    verification: {
      tree_size: result.head.tree_size,
      root_hash: result.head.root_hash,
      signed_at: result.head.timestamp,
      public_key: result.head.public_key ?? ledger.publicKey,
      signature_valid: result.signatureValid,
      leaves_checked: result.leavesChecked,
      root_matches: result.rootMatches,
      leaf_mismatches: result.leafMismatches,
    },
  }
}

/** The filters as the report records them. */
export function filtersOf(filters: ReportFilters): ComplianceReport['filters'] {
  return {
    since: filters.since ?? null,
    until: filters.until ?? null,
    system_name: filters.systemName ?? null,
    agent_name: filters.agentName ?? null,
  }
}

/** Sections per status. */
export function countStatuses(sections: readonly ReportSection[]): Record<SectionStatus, number> {
  const counts: Record<SectionStatus, number> = { compliant: 0, partial: 0, non_compliant: 0 }
  for (const section of sections) counts[section.status] += 1
  return counts
}

/** `part / whole` as a percentage with one decimal, or null when `whole` is 0. */
export function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part * 1000) / whole) / 10
}

/** `12 of 40 (30%)`. */
export function ofTotal(part: number, whole: number): string {
  const pct = share(part, whole)
  return pct === null ? `${part} of ${whole}` : `${part} of ${whole} (${pct}%)`
}

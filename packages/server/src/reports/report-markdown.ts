import type { ComplianceReport, SectionStatus } from './compliance-report'

const STATUS_LABEL: Record<SectionStatus, string> = {
  compliant: 'Compliant',
  partial: 'Partial',
  non_compliant: 'Non-compliant',
}

/** Status words as the exports print them. */
export function statusLabel(status: SectionStatus): string {
  return STATUS_LABEL[status]
}

// Client-supplied text (system, agent, model names) must not become Markdown structure or HTML
// when the file is rendered: escape Markdown's punctuation and the HTML specials, one line only.
function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  return String(value)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_[\]|<>&~]/g, (character) =>
      character === '<'
        ? '&lt;'
        : character === '>'
          ? '&gt;'
          : character === '&'
            ? '&amp;'
            : `\\${character}`,
    )
}

/** The report as Markdown: a scope table, the chain check, the caveat, then one section per requirement. */
export function reportToMarkdown(report: ComplianceReport): string {
  const lines: string[] = []
  const { filters, chain_verification: chain } = report
  lines.push(`# ${text(report.title)}`, '')
  lines.push('| Scope | |', '|---|---|')
  lines.push(`| Workspace | ${text(report.workspace_id)} |`)
  lines.push(`| Generated | ${text(report.generated_at)} |`)
  lines.push(`| Report id | ${text(report.report_id)} |`)
  lines.push(`| From | ${text(filters.since ?? 'the beginning')} |`)
  lines.push(`| Until | ${text(filters.until ?? 'now')} |`)
  lines.push(`| System | ${text(filters.system_name ?? 'all')} |`)
  lines.push(`| Agent | ${text(filters.agent_name ?? 'all')} |`, '')
  lines.push(
    `**Status:** ${report.status_counts.compliant} compliant, ${report.status_counts.partial} partial, ` +
      `${report.status_counts.non_compliant} non-compliant.`,
    '',
  )
  lines.push('## Ledger chain verification', '')
  lines.push(
    `**${report.chain_integrity_status === 'verified' ? 'Verified' : 'FAILED'}**: ${chain.leaves_checked} of ` +
      `${chain.tree_size} leaves re-hashed, root ${chain.root_matches ? 'matches' : 'does not match'} the signed ` +
      `tree head, signature ${chain.signature_valid ? 'valid' : 'INVALID'}.`,
    '',
    `- Root hash: \`${chain.root_hash}\``,
    `- Signed at: ${text(chain.signed_at)}`,
    `- Server key (Ed25519): \`${chain.public_key}\``,
    '',
  )
  lines.push('## Coverage', '', text(report.coverage_caveat), '')
  lines.push(
    `Coverage: ${report.coverage_pct === null ? 'not estimated (the guard reported no calls in the period)' : `${Math.round(report.coverage_pct * 1000) / 10}% of the AI calls the guard saw were attested`}.`,
    '',
  )
  for (const [index, section] of report.sections.entries()) {
    lines.push(`## ${index + 1}. ${text(section.title)} (${text(section.reference)})`, '')
    lines.push(`**${statusLabel(section.status)}**: ${text(section.status_reason)}`, '')
    lines.push(text(section.description), '')
    if (section.facts.length > 0) {
      lines.push('| | |', '|---|---|')
      for (const fact of section.facts) lines.push(`| ${text(fact.label)} | ${text(fact.value)} |`)
      lines.push('')
    }
  }
  return `${lines.join('\n')}\n`
}

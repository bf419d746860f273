import { MimaError } from '@mima/core'
import type { ScanResult } from './scan'

/** Options for {@link assertAttested}. */
export interface AssertAttestedOptions {
  /** The least share of high-confidence call sites that must be attested, 0–1 (default 1). */
  readonly minCoverage?: number
  /** At most this many unattested high-confidence call sites (checked as well, when given). */
  readonly maxUnattested?: number
  /**
   * Pass even when files (or statements in them) could not be analysed: problems of severity
   * `error`, which may hide unattested calls (default false: such a scan fails).
   */
  readonly allowUnanalysed?: boolean
}

function percent(value: number): string {
  return `${Math.floor(value * 1000) / 10}%`
}

/**
 * Throws when a scan's attestation coverage is below `minCoverage` (or it has more unattested
 * call sites than `maxUnattested`), naming each unattested site, or when files could not be
 * analysed (see `allowUnanalysed`); returns a summary otherwise.
 * Use it in your own tests.
 *
 * @example
 * ```ts
 * import { assertAttested, scan } from '@mima/scanner'
 * import { it } from 'vitest'
 *
 * it('attests every AI call', async () => {
 *   assertAttested(await scan(['src']), { minCoverage: 1 })
 * })
 * ```
 */
export function assertAttested(result: ScanResult, options: AssertAttestedOptions = {}): string {
  const minCoverage = options.minCoverage ?? 1
  if (!(minCoverage >= 0 && minCoverage <= 1))
    throw new MimaError('validation_failed', `minCoverage must be between 0 and 1; got ${minCoverage}.`)
  const unanalysed = result.problems.filter((problem) => problem.severity === 'error')
  if (unanalysed.length > 0 && options.allowUnanalysed !== true) {
    const files = unanalysed.slice(0, 20).map((problem) => `  ${problem.file}: ${problem.message}`)
    if (unanalysed.length > 20) files.push(`  … and ${unanalysed.length - 20} more`)
    throw new MimaError(
      'unattested_call',
      `${unanalysed.length} file(s) could not be analysed, so unattested calls in them would go unseen:\n${files.join('\n')}`,
    )
  }
  const unattested = result.findings.filter((finding) => finding.confidence === 'high' && !finding.attested)
  const sites = unattested
    .slice(0, 20)
    .map(
      (finding) =>
        `  ${finding.file}:${finding.line}:${finding.column}  ${finding.library} ${finding.operation}`,
    )
  if (unattested.length > 20) sites.push(`  … and ${unattested.length - 20} more`)
  if (result.coverage + 1e-9 < minCoverage) {
    throw new MimaError(
      'unattested_call',
      `Coverage ${percent(result.coverage)} < ${percent(minCoverage)} — ${unattested.length} unattested call site(s):\n${sites.join('\n')}`,
    )
  }
  if (options.maxUnattested !== undefined && unattested.length > options.maxUnattested) {
    throw new MimaError(
      'unattested_call',
      `${unattested.length} unattested > ${options.maxUnattested} allowed:\n${sites.join('\n')}`,
    )
  }
  return `Coverage ${percent(result.coverage)} >= ${percent(minCoverage)}`
}

// The derived views in a server audit pack (`evidence.csv`, `summary.json`) must agree with the
// records that are bound to the ledger: an edit to a view is named even when the manifest was
// re-hashed and its signature removed.
import type { SignedTreeHead } from '@mima/core'
import type { CheckResult, LedgerLeafRecord } from '../ledger/ledger-checks'

// The server's spreadsheet columns and cell format (see the server's audit-pack builder).
const CSV_COLUMNS = [
  'record_id',
  'record_type',
  'system_name',
  'identity',
  'resource',
  'environment',
  'occurred_at',
  'received_at',
  'mapped_controls',
  'client_sig_status',
  'source',
  'leaf_index',
  'payload',
] as const

function csvField(value: unknown): string {
  let text =
    value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function csvRow(record: Record<string, unknown>): string {
  return CSV_COLUMNS.map((column) =>
    csvField(
      column === 'mapped_controls' && Array.isArray(record.mapped_controls)
        ? record.mapped_controls.join(';')
        : record[column],
    ),
  ).join(',')
}

/** Evidence received in the twelve months before `generatedAt` (what `evidence.csv` holds). */
function lastTwelveMonths(
  evidence: ReadonlyArray<Record<string, unknown>>,
  generatedAt: string,
): Array<Record<string, unknown>> {
  const yearAgo = new Date(generatedAt)
  yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1)
  return evidence.filter((record) => Date.parse(String(record.received_at)) >= yearAgo.getTime())
}

// Splits CSV text into records (quoted fields may hold line breaks).
function csvRecords(text: string): string[] {
  const records: string[] = []
  let current = ''
  let quoted = false
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string
    if (char === '"') quoted = !quoted
    if (!quoted && char === '\r' && text[index + 1] === '\n') {
      records.push(current)
      current = ''
      index += 1
      continue
    }
    current += char
  }
  if (current !== '') records.push(current)
  return records
}

/** `evidence.csv` must be exactly the rows of the bound evidence of the last twelve months. */
export function checkEvidenceCsv(
  csv: string,
  evidence: ReadonlyArray<Record<string, unknown>>,
  generatedAt: string,
): CheckResult {
  const rows = csvRecords(csv)
  const [header, ...body] = rows
  if (header !== CSV_COLUMNS.join(',')) {
    return {
      check: 'evidence.csv',
      ok: false,
      detail: 'evidence.csv has other columns than the server writes',
    }
  }
  const expected = new Map(lastTwelveMonths(evidence, generatedAt).map((record) => [csvRow(record), record]))
  const seen = new Set<string>()
  for (const row of body) {
    const id = row.split(',')[0] ?? ''
    if (!expected.has(row)) {
      return {
        check: 'evidence.csv',
        ok: false,
        detail: `evidence.csv row ${id} differs from evidence ${id} as its ledger leaf binds it (edited or added)`,
      }
    }
    seen.add(row)
  }
  for (const [row, record] of expected) {
    if (!seen.has(row)) {
      return {
        check: 'evidence.csv',
        ok: false,
        detail: `evidence.csv lacks evidence ${String(record.record_id)} (leaf ${String(record.leaf_index)}): a row was removed`,
      }
    }
  }
  return { check: 'evidence.csv', ok: true, detail: `${body.length} rows match the bound evidence records` }
}

function counts(values: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {}
  for (const value of values) result[value] = (result[value] ?? 0) + 1
  return result
}

function sameJson(left: unknown, right: unknown): boolean {
  const sorted = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
        )
      : value
  return JSON.stringify(sorted(left)) === JSON.stringify(sorted(right))
}

/** The ledger and evidence figures in `summary.json` must be those of the bound records. */
export function checkSummary(
  summary: Record<string, unknown>,
  facts: {
    head: SignedTreeHead
    leaves: readonly LedgerLeafRecord[]
    evidence: ReadonlyArray<Record<string, unknown>>
    generatedAt: string
  },
): CheckResult {
  const ledger = (summary.ledger ?? {}) as Record<string, unknown>
  const evidence = (summary.evidence ?? {}) as Record<string, unknown>
  const expected: Array<[string, unknown, unknown]> = [
    ['ledger.tree_size', ledger.tree_size, facts.head.tree_size],
    ['ledger.root_hash', ledger.root_hash, facts.head.root_hash],
    ['ledger.public_key', ledger.public_key, facts.head.public_key],
    ['ledger.records_by_kind', ledger.records_by_kind, counts(facts.leaves.map((leaf) => leaf.kind))],
    ['evidence.total', evidence.total, facts.evidence.length],
    [
      'evidence.last_12_months',
      evidence.last_12_months,
      lastTwelveMonths(facts.evidence, facts.generatedAt).length,
    ],
    [
      'evidence.by_record_type',
      evidence.by_record_type,
      counts(facts.evidence.map((record) => String(record.record_type))),
    ],
  ]
  for (const [field, stated, actual] of expected) {
    if (!sameJson(stated, actual)) {
      return {
        check: 'summary.json',
        ok: false,
        detail: `summary.json ${field} is ${JSON.stringify(stated)}, but the bound records give ${JSON.stringify(actual)}`,
      }
    }
  }
  return {
    check: 'summary.json',
    ok: true,
    detail: 'its ledger and evidence figures match the bound records',
  }
}

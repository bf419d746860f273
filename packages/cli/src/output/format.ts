/** Framework slugs and the labels the CLI prints (reference §1.3). */
export const FRAMEWORK_LABELS: Readonly<Record<string, string>> = {
  soc2_type2: 'SOC 2 Type II',
  iso_27001: 'ISO 27001:2022',
  iso_42001: 'ISO 42001',
  eu_ai_act: 'EU AI Act',
  nist_airf: 'NIST AI RMF',
}

/** The printed label of a framework slug (the slug itself when unknown). */
export function frameworkLabel(slug: string): string {
  return FRAMEWORK_LABELS[slug] ?? slug
}

/** A 20-character bar, one block per 5 %. */
export function bar(percent: number, width = 20): string {
  const clamped = Math.max(0, Math.min(100, percent))
  const filled = Math.round((clamped / 100) * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/** Pads `text` to `width` columns (no truncation). */
export function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

/** Right-aligns `text` in `width` columns. */
export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text
}

/** Lays out rows as aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length)
    })
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : pad(cell, widths[index] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

/** A short id for human output (`3f2a9c1e`). */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id
}

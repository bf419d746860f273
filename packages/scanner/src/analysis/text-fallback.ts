import { HEURISTIC_PATHS } from '../catalog/sdk-catalog'
import { NON_AI_ROOTS, OPENAI_FAMILY } from './ast-helpers'
import type { RawFinding } from './finding'

// `receiver.chat.completions.create(`: the member path, then an opening parenthesis.
const CALL_PATH = new RegExp(
  `([A-Za-z_$][\\w$]*)\\s*(?:\\?\\.|\\.)\\s*(${[...HEURISTIC_PATHS.keys()]
    .sort((a, b) => b.length - a.length)
    .map((path) => path.replaceAll('.', '\\s*(?:\\?\\.|\\.)\\s*'))
    .join('|')})\\s*\\(`,
  'g',
)

/** Whether the text imports or requires `library` (`from 'openai'`, `require("openai/…")`). */
function imports(source: string, library: string): boolean {
  const escaped = library.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  return new RegExp(`(?:from|require\\s*\\(|import\\s*\\(?)\\s*["'\`]${escaped}(?:/[^"'\`]*)?["'\`]`).test(
    source,
  )
}

/**
 * Low-confidence findings from the text alone, for a file the parser must not see (nested too deep
 * to parse safely): the member paths only AI clients have, as the heuristic reads them in parsed
 * files. Three-segment paths (`chat.completions.create`) count anywhere; two-segment ones
 * (`messages.create`) only in a file that imports that SDK. Comments and strings are not told
 * apart: this reads text, so it may report a call that is only mentioned.
 */
export function textFallbackFindings(source: string): RawFinding[] {
  const findings: RawFinding[] = []
  const imported = new Map<string, boolean>()
  const importsOnce = (library: string): boolean => {
    const known = imported.get(library)
    if (known !== undefined) return known
    const found = imports(source, library)
    imported.set(library, found)
    return found
  }
  const importedOpenAi = OPENAI_FAMILY.find(importsOnce)
  let line = 1
  let lineStart = 0
  let scanned = 0
  CALL_PATH.lastIndex = 0
  for (let match = CALL_PATH.exec(source); match !== null; match = CALL_PATH.exec(source)) {
    const receiver = match[1] as string
    const path = (match[2] as string).replace(/\s|\?/g, '')
    const known = HEURISTIC_PATHS.get(path)
    if (known === undefined || NON_AI_ROOTS.test(receiver)) continue
    const threeSegments = path.split('.').length >= 3
    const library =
      known.library === 'openai'
        ? (importedOpenAi ?? (threeSegments ? 'openai' : undefined))
        : importsOnce(known.library)
          ? known.library
          : undefined
    if (library === undefined) continue
    const offset = match.index
    for (; scanned < offset; scanned++) {
      if (source.charCodeAt(scanned) === 10) {
        line++
        lineStart = scanned + 1
      }
    }
    findings.push({
      offset,
      line,
      column: offset - lineStart + 1,
      library,
      operation: known.operation,
      attested: false,
      confidence: 'low',
      kind: 'model',
      callee: `${receiver}.${path}`,
    })
  }
  return findings
}

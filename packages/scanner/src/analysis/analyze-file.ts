import { parseSync, rawTransferSupported } from 'oxc-parser'
import { type AstNode, Evaluator, type ImportResolver } from './evaluator'
import type { FileFacts } from './finding'
import { assertParseableDepth } from './parse-guard'
import type { FileExports, Value } from './values'

/** What the analysis of one source file yields. */
export interface FileAnalysis extends FileFacts {
  readonly exports: FileExports
  /** Whether the parser reported errors (the file was still analysed as far as it parsed). */
  readonly parseErrors: number
}

const useRawTransfer = (() => {
  try {
    return rawTransferSupported()
  } catch {
    return false
  }
})()

/** Language from the file name, for the parser. */
export function parserLanguage(path: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  if (path.endsWith('.tsx')) return 'tsx'
  if (path.endsWith('.ts') || path.endsWith('.mts') || path.endsWith('.cts')) return 'ts'
  if (path.endsWith('.jsx')) return 'jsx'
  return 'jsx'
}

/**
 * Parses one file with oxc-parser and finds its AI call sites, the values it exports and the
 * models and MCP servers it names. `resolveImport` supplies what project imports resolve to.
 *
 * @example
 * ```ts
 * const analysis = analyzeSource('app.ts', "import OpenAI from 'openai'\nnew OpenAI().responses.create({})")
 * analysis.findings[0]?.library // 'openai'
 * ```
 */
export function analyzeSource(path: string, source: string, resolveImport?: ImportResolver): FileAnalysis {
  assertParseableDepth(source)
  const lang = parserLanguage(path)
  const options = {
    lang,
    sourceType:
      path.endsWith('.cjs') || path.endsWith('.cts') ? ('commonjs' as const) : ('unambiguous' as const),
    preserveParens: false,
    ...(useRawTransfer ? { experimentalRawTransfer: true } : {}),
  }
  let result = parseSync(path, source, options)
  if (result.errors.length > 0 && lang === 'jsx') {
    // Plain `.js` files may hold TypeScript-free Flow-less code that JSX mode misreads (`a < b > c`).
    const retry = parseSync(path, source, { ...options, lang: 'js' })
    if (retry.errors.length < result.errors.length) result = retry
  }
  const program = result.program as unknown as AstNode
  const evaluator = new Evaluator(source, resolveImport)
  evaluator.run(program, false)
  evaluator.run(program, true)
  if (evaluator.facts.findings.length > 0 || evaluator.facts.mcpServers.length > 0) {
    const starts = lineStarts(source)
    for (const finding of evaluator.facts.findings) Object.assign(finding, position(starts, finding.offset))
    for (const server of evaluator.facts.mcpServers) server.line = position(starts, server.offset).line
    evaluator.facts.findings.sort((a, b) => a.offset - b.offset)
  }
  const raw = evaluator.fileExports()
  const values: Record<string, Value> = {}
  for (const [name, value] of Object.entries(raw.values)) {
    const exported = exportable(value, evaluator, 0)
    if (exported && isInteresting(exported, 0)) values[name] = exported
  }
  return {
    ...evaluator.facts,
    exports: { values, reexports: raw.reexports, stars: raw.stars },
    parseErrors: result.errors.length,
  }
}

function lineStarts(source: string): number[] {
  const starts = [0]
  for (let index = source.indexOf('\n'); index >= 0; index = source.indexOf('\n', index + 1))
    starts.push(index + 1)
  return starts
}

function position(starts: readonly number[], offset: number): { line: number; column: number } {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] as number) <= offset) low = middle
    else high = middle - 1
  }
  return { line: low + 1, column: offset - (starts[low] as number) + 1 }
}

/** Turns file-local values into plain ones another file can use. */
function exportable(value: Value, evaluator: Evaluator, depth: number): Value | undefined {
  if (depth > 4) return undefined
  switch (value.kind) {
    case 'local-function': {
      const returned = evaluator.returns.get(value.id)
      const returns = returned ? exportable(returned, evaluator, depth + 1) : undefined
      return returns ? { kind: 'function', returns } : { kind: 'function' }
    }
    case 'local-class':
      return { kind: 'class', instance: instanceShape(value.id, evaluator, depth + 1) }
    case 'local-object':
      return instanceShape(value.classId, evaluator, depth + 1)
    case 'object-literal': {
      const members: Record<string, Value> = {}
      for (const [key, member] of value.members) {
        const exported = exportable(member, evaluator, depth + 1)
        if (exported) members[key] = exported
      }
      return { kind: 'shape', members }
    }
    default:
      return value
  }
}

function instanceShape(
  classId: number,
  evaluator: Evaluator,
  depth: number,
): { kind: 'shape'; members: Record<string, Value>; base?: Value } {
  const members: Record<string, Value> = {}
  for (const [key, member] of evaluator.fields.get(classId) ?? []) {
    if (member.kind === 'local-function') continue
    const exported = exportable(member, evaluator, depth + 1)
    if (exported) members[key] = exported
  }
  const base = evaluator.bases.get(classId)
  const exportedBase = base ? exportable(base, evaluator, depth + 1) : undefined
  const baseInstance = exportedBase?.kind === 'class' ? exportedBase.instance : exportedBase
  return baseInstance ? { kind: 'shape', members, base: baseInstance } : { kind: 'shape', members }
}

/** Whether a value can lead to an AI call (so importers need a second look). */
export function isInteresting(value: Value, depth: number): boolean {
  if (depth > 6) return false
  switch (value.kind) {
    case 'handle':
    case 'model':
    case 'module':
    case 'export':
    case 'mima':
    case 'marker':
      return true
    case 'shape':
      return (
        Object.values(value.members).some((member) => isInteresting(member, depth + 1)) ||
        (value.base !== undefined && isInteresting(value.base, depth + 1))
      )
    case 'class':
      return isInteresting(value.instance, depth + 1)
    case 'function':
      return value.returns !== undefined && isInteresting(value.returns, depth + 1)
    default:
      return false
  }
}

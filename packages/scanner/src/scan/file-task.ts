import { readFileSync } from 'node:fs'
import { analyzeSource, type FileAnalysis } from '../analysis/analyze-file'
import type { RawFinding } from '../analysis/finding'
import { needsParseProbe, UnparseableSourceError } from '../analysis/parse-guard'
import { textFallbackFindings } from '../analysis/text-fallback'
import { mentionsAiSdk, projectSpecifiers } from '../files/prefilter'

/** The first-pass result for one file. */
export interface FileTaskResult {
  readonly path: string
  readonly bytes: number
  /** Present when the file names an AI SDK and was parsed. */
  readonly analysis?: FileAnalysis
  /** Project specifiers, to decide which files must be looked at again once exports are known. */
  readonly specifiers: readonly string[]
  /** Set when the file could not be read or parsed at all. */
  readonly error?: string
  /** Set when the file must be test-parsed in a child process before it is parsed here. */
  readonly needsProbe?: true
  /** For a file too deep to parse: what its text alone shows (low confidence). */
  readonly fallback?: readonly RawFinding[]
}

/**
 * Reads one file; parses it only when its text names an AI SDK. A file with enough nesting-capable
 * tokens to crash the parser is left for the probe (`needsProbe`), unless `probed`.
 */
export function runFileTask(path: string): FileTaskResult {
  return fileTask(path, false)
}

/** {@link runFileTask} for a file the probe has parsed safely. */
export function runProbedFileTask(path: string): FileTaskResult {
  return fileTask(path, true)
}

function fileTask(path: string, probed: boolean): FileTaskResult {
  let source: string
  try {
    source = readFileSync(path, 'utf8')
  } catch (error) {
    return { path, bytes: 0, specifiers: [], error: (error as Error).message }
  }
  const bytes = source.length
  const specifiers = projectSpecifiers(source)
  if (!mentionsAiSdk(source)) return { path, bytes, specifiers }
  if (!probed && needsParseProbe(source)) return { path, bytes, specifiers, needsProbe: true }
  try {
    return { path, bytes, specifiers, analysis: analyzeSource(path, source) }
  } catch (error) {
    const fallback = error instanceof UnparseableSourceError ? textFallbackFindings(source) : []
    return { path, bytes, specifiers, error: (error as Error).message, fallback }
  }
}

/** What the text of a file the parser must not see shows (see {@link textFallbackFindings}). */
export function runFallbackTask(path: string): readonly RawFinding[] {
  try {
    return textFallbackFindings(readFileSync(path, 'utf8'))
  } catch {
    return []
  }
}

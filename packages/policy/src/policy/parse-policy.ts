import { isMap, isScalar, LineCounter, parseDocument } from 'yaml'
import type { PolicyDocument } from './policy-document'
import { formatField, type PolicyIssue, PolicyValidationError, policyIssues } from './validate-policy'

/** Options for {@link parsePolicy}. */
export interface ParsePolicyOptions {
  /** The file name shown in errors (`policy.yaml:12:5 tool_access.x.action: …`). */
  readonly file?: string
}

/**
 * Parses and validates a policy written in YAML (JSON is YAML too). A syntax error or an invalid
 * field throws {@link PolicyValidationError} with the file, line, column and field of each problem;
 * nothing is returned half-valid.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(readFileSync('policy.yaml', 'utf8'), { file: 'policy.yaml' })
 * const engine = createPolicyEngine({ policy })
 * ```
 */
export function parsePolicy(source: string, options: ParsePolicyOptions = {}): PolicyDocument {
  const lineCounter = new LineCounter()
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new PolicyValidationError(
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0])
        return {
          path: [],
          field: '(syntax)',
          message: error.message.split('\n')[0] ?? error.message,
          line: position.line,
          column: position.col,
        }
      }),
      options.file,
    )
  }
  let value: unknown
  try {
    value = document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    // yaml refuses aliases that expand without end (a "billion laughs" file); deep nesting can
    // exhaust the stack. Either is a file to refuse, not a failure of ours.
    throw new PolicyValidationError(
      [{ path: [], field: '(syntax)', message: `the YAML cannot be expanded: ${(error as Error).message}` }],
      options.file,
    )
  }
  const issues = policyIssues(value)
  if (issues.length === 0) return value as PolicyDocument
  throw new PolicyValidationError(
    issues.map((issue): PolicyIssue => {
      const offset = offsetOf(document, issue.path)
      if (offset === undefined) return issue
      const position = lineCounter.linePos(offset)
      return { ...issue, field: formatField(issue.path), line: position.line, column: position.col }
    }),
    options.file,
  )
}

type YamlDocument = ReturnType<typeof parseDocument>

/** The source offset of the deepest node on `path` that exists (the key itself for an unknown key). */
function offsetOf(document: YamlDocument, path: readonly (string | number)[]): number | undefined {
  let node: unknown = document.contents
  let offset: number | undefined = rangeStart(node)
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part))
      if (pair === undefined) return offset
      // A bad value points at the value; an unknown key points at the key.
      offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset
      node = pair.value
    } else if (node !== null && typeof node === 'object' && 'items' in node && Array.isArray(node.items)) {
      const item: unknown = node.items[Number(part)]
      if (item === undefined) return offset
      offset = rangeStart(item) ?? offset
      node = item
    } else {
      return offset
    }
  }
  return offset
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined
  const range = (node as { range?: readonly number[] | null }).range
  return Array.isArray(range) ? range[0] : undefined
}

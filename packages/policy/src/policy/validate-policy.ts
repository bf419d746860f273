import { MimaError } from '@mima/core'
import type { PolicyDocument } from './policy-document'

/** One problem in a policy: the field (dotted path), and where it is when the policy came from a file. */
export interface PolicyIssue {
  /** The path of the field, e.g. `['tool_access', 'weather.current', 'action']`. */
  readonly path: readonly (string | number)[]
  /** The same path written out: `tool_access["weather.current"].action`. */
  readonly field: string
  readonly message: string
  /** 1-based line in the file, when known. */
  readonly line?: number
  /** 1-based column in the file, when known. */
  readonly column?: number
}

/**
 * A policy that was refused. Nothing of it was applied: the previous policy (if any) stays in force.
 * `issues` lists every problem with its field, and its file, line and column when it came from YAML.
 */
export class PolicyValidationError extends MimaError {
  readonly issues: readonly PolicyIssue[]
  readonly file: string | undefined

  constructor(issues: readonly PolicyIssue[], file?: string) {
    const where = (issue: PolicyIssue): string =>
      `${file ?? 'policy'}${issue.line === undefined ? '' : `:${issue.line}:${issue.column ?? 1}`}`
    const summary = issues
      .slice(0, 5)
      .map((issue) => `${where(issue)} ${issue.field}: ${issue.message}`)
      .join('; ')
    super(
      'policy_invalid',
      `The policy was refused (${issues.length} problem${issues.length === 1 ? '' : 's'}): ${summary}${
        issues.length > 5 ? '; …' : ''
      }`,
      {
        details: {
          ...(file === undefined ? {} : { file }),
          issues: issues.map((issue) => ({
            field: issue.field,
            message: issue.message,
            ...(issue.line === undefined ? {} : { line: issue.line, column: issue.column }),
          })),
        },
      },
    )
    this.issues = issues
    this.file = file
  }
}

const RULE_ACTIONS = ['allow', 'pass_through', 'deny', 'block', 'confirm', 'redact', 'tokenize'] as const
const PII_ACTIONS = [
  'pass_through',
  'allow',
  'redact',
  'tokenize',
  'mask',
  'deny',
  'block',
  'confirm',
] as const
const DIRECTIONS = ['ingress', 'egress', 'both'] as const
const ON_ERROR = ['block', 'pass', 'best_effort'] as const
const REDACTION_MODES = ['placeholder', 'mask', 'token'] as const
const TOP_LEVEL = new Set([
  'version',
  'name',
  'defaults',
  'tool_access',
  'deny_tools',
  'allow_tools',
  'allow_pii',
  'network_scopes',
  'network_tools',
  'on_error',
  'redaction',
  'model',
])
const PII_KEY = /^(PII:)?([A-Za-z][A-Za-z0-9_]*|\*)$/
const MAX_NAME = 200

/** Writes a path as a field name: `tool_access["weather.current"].action`. */
export function formatField(path: readonly (string | number)[]): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out === '' ? '(policy)' : out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

class Checker {
  readonly issues: PolicyIssue[] = []

  fail(path: readonly (string | number)[], message: string): void {
    this.issues.push({ path, field: formatField(path), message })
  }

  oneOf(value: unknown, allowed: readonly string[], path: readonly (string | number)[]): void {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      this.fail(path, `must be one of ${allowed.join(', ')}; got ${JSON.stringify(value) ?? 'nothing'}`)
    }
  }

  name(value: unknown, path: readonly (string | number)[]): void {
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_NAME) {
      this.fail(path, `must be a non-empty string of at most ${MAX_NAME} characters`)
    }
  }

  names(value: unknown, path: readonly (string | number)[]): void {
    if (!Array.isArray(value)) {
      this.fail(path, 'must be a list of names')
      return
    }
    value.forEach((item, index) => {
      this.name(item, [...path, index])
    })
  }

  unknownKeys(
    value: Record<string, unknown>,
    allowed: ReadonlySet<string>,
    path: readonly (string | number)[],
  ): void {
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) {
        this.fail([...path, key], `is not a known field (known: ${[...allowed].join(', ')})`)
      }
    }
  }

  allowPii(value: unknown, path: readonly (string | number)[]): void {
    if (!isRecord(value)) {
      this.fail(path, 'must be a map from a kind (`PII:email`, `credit_card` or `*`) to an action')
      return
    }
    for (const [key, action] of Object.entries(value)) {
      if (!PII_KEY.test(key)) {
        this.fail(
          [...path, key],
          'is not a kind name (letters, digits and `_`, optionally after `PII:`, or `*`)',
        )
      }
      this.oneOf(action, PII_ACTIONS, [...path, key])
    }
  }
}

const DEFAULTS_KEYS = new Set(['action', 'allow_pii'])
const TOOL_KEYS = new Set(['direction', 'action', 'allow_pii', 'reason'])

/**
 * Validates a policy object and returns it typed. Throws {@link PolicyValidationError} listing
 * every problem (unknown fields included, so a typo never silently weakens a policy).
 *
 * @example
 * ```ts
 * const policy = validatePolicy({ version: 1, defaults: { ingress: { action: 'redact' } } })
 * ```
 */
export function validatePolicy(value: unknown, file?: string): PolicyDocument {
  const issues = policyIssues(value)
  if (issues.length > 0) throw new PolicyValidationError(issues, file)
  return value as PolicyDocument
}

/** The problems of a policy object, without throwing (empty when it is valid). */
export function policyIssues(value: unknown): PolicyIssue[] {
  const check = new Checker()
  if (!isRecord(value)) {
    check.fail([], 'a policy must be a map of fields (version, defaults, tool_access, …)')
    return check.issues
  }
  check.unknownKeys(value, TOP_LEVEL, [])
  if (value.version !== undefined && typeof value.version !== 'number' && typeof value.version !== 'string') {
    check.fail(['version'], 'must be a number or a string')
  }
  if (value.name !== undefined) check.name(value.name, ['name'])
  if (value.model !== undefined && typeof value.model !== 'string') check.fail(['model'], 'must be a string')
  if (value.defaults !== undefined) {
    if (!isRecord(value.defaults)) check.fail(['defaults'], 'must be a map with ingress and/or egress')
    else {
      check.unknownKeys(value.defaults, new Set(['ingress', 'egress']), ['defaults'])
      for (const direction of ['ingress', 'egress'] as const) {
        const rule = value.defaults[direction]
        if (rule === undefined) continue
        const path = ['defaults', direction]
        if (!isRecord(rule)) {
          check.fail(path, 'must be a map with an action')
          continue
        }
        check.unknownKeys(rule, DEFAULTS_KEYS, path)
        check.oneOf(rule.action, RULE_ACTIONS, [...path, 'action'])
        if (rule.allow_pii !== undefined) check.allowPii(rule.allow_pii, [...path, 'allow_pii'])
      }
    }
  }
  if (value.tool_access !== undefined) {
    if (!isRecord(value.tool_access)) check.fail(['tool_access'], 'must be a map from tool name to rule')
    else {
      for (const [tool, rule] of Object.entries(value.tool_access)) {
        const path = ['tool_access', tool]
        if (tool.trim() === '' || tool.length > MAX_NAME) check.fail(path, 'the tool name must be non-empty')
        if (!isRecord(rule)) {
          check.fail(path, 'must be a map (direction, action, allow_pii)')
          continue
        }
        check.unknownKeys(rule, TOOL_KEYS, path)
        if (rule.direction !== undefined) check.oneOf(rule.direction, DIRECTIONS, [...path, 'direction'])
        if (rule.action !== undefined) check.oneOf(rule.action, RULE_ACTIONS, [...path, 'action'])
        if (rule.action === undefined && rule.allow_pii === undefined) {
          check.fail(path, 'needs an action or allow_pii')
        }
        if (rule.allow_pii !== undefined) check.allowPii(rule.allow_pii, [...path, 'allow_pii'])
        if (rule.reason !== undefined && typeof rule.reason !== 'string') {
          check.fail([...path, 'reason'], 'must be a string')
        }
      }
    }
  }
  for (const field of ['deny_tools', 'allow_tools', 'network_scopes', 'network_tools'] as const) {
    if (value[field] !== undefined) check.names(value[field], [field])
  }
  if (value.allow_pii !== undefined) check.allowPii(value.allow_pii, ['allow_pii'])
  if (value.on_error !== undefined) check.oneOf(value.on_error, ON_ERROR, ['on_error'])
  if (value.redaction !== undefined) {
    if (!isRecord(value.redaction)) check.fail(['redaction'], 'must be a map with a mode')
    else {
      check.unknownKeys(value.redaction, new Set(['mode']), ['redaction'])
      if (value.redaction.mode !== undefined) {
        check.oneOf(value.redaction.mode, REDACTION_MODES, ['redaction', 'mode'])
      }
    }
  }
  return check.issues
}

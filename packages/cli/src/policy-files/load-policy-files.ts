import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml'

/** The five assertion types of a policy file. */
export const ASSERTION_TYPES: readonly string[] = [
  'min_readiness_pct',
  'attested_not_inferred',
  'record_type_present',
  'min_records_per_system',
  'scan_coverage',
]

/** One assertion, with its defaults applied. */
export type PolicyAssertion =
  | { type: 'min_readiness_pct'; threshold: number; description: string }
  | { type: 'attested_not_inferred'; min_pct: number; description: string }
  | { type: 'record_type_present'; record_type: string; description: string }
  | {
      type: 'min_records_per_system'
      record_type: string
      count: number
      per_days?: number
      description: string
    }
  | { type: 'scan_coverage'; min_pct: number; path: string; description: string }

/** A parsed policy file. */
export interface PolicyFile {
  readonly file: string
  readonly name: string
  readonly framework: string
  readonly assertions: readonly PolicyAssertion[]
}

/** Why a policy file could not be loaded, with the line and field. */
export interface PolicyFileError {
  readonly file: string
  readonly line?: number
  readonly field?: string
  readonly message: string
}

/** `file:line: field: message`. */
export function formatPolicyError(error: PolicyFileError): string {
  return `${error.file}${error.line === undefined ? '' : `:${error.line}`}: ${error.field ? `${error.field}: ` : ''}${error.message}`
}

/** The `*.yaml` then `*.yml` files of a policy directory, each group sorted. */
export function policyFilePaths(directory: string): string[] {
  if (!existsSync(directory)) return []
  const names = readdirSync(directory)
  const pick = (extension: string) =>
    names
      .filter((name) => name.endsWith(extension))
      .sort()
      .map((name) => join(directory, name))
  return [...pick('.yaml'), ...pick('.yml')]
}

/** Parses one policy file; returns the policy or the first error with its line and field. */
export function loadPolicyFile(
  file: string,
  text: string = readFileSync(file, 'utf8'),
): PolicyFile | PolicyFileError {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false })
  const lineOf = (node: YamlNode | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined
  const fail = (message: string, node?: YamlNode | null, field?: string): PolicyFileError => {
    const line = lineOf(node)
    return {
      file,
      message,
      ...(line === undefined ? {} : { line }),
      ...(field === undefined ? {} : { field }),
    }
  }
  const syntax = document.errors[0]
  if (syntax) {
    return {
      file,
      message: syntax.message.split('\n')[0] ?? 'invalid YAML',
      line: lineCounter.linePos(syntax.pos[0]).line,
    }
  }
  const root = document.contents
  if (!isMap(root)) return fail('a policy file is a mapping with name, framework and assertions', root)
  const get = (key: string) => root.get(key, true) as YamlNode | undefined
  const missing = ['name', 'framework', 'assertions'].filter((key) => !root.has(key))
  if (missing.length > 0) return fail(`Missing required keys: ${missing.join(', ')}`, root, missing[0])
  const name: unknown = root.get('name')
  const framework: unknown = root.get('framework')
  if (typeof name !== 'string' || name.trim() === '')
    return fail('must be a non-empty string', get('name'), 'name')
  if (typeof framework !== 'string' || framework.trim() === '')
    return fail('must be a non-empty string', get('framework'), 'framework')
  const list = get('assertions')
  if (!isSeq(list)) return fail("'assertions' must be a list", list, 'assertions')
  const assertions: PolicyAssertion[] = []
  for (const [index, item] of list.items.entries()) {
    const path = `assertions[${index}]`
    if (!isMap(item)) return fail(`${path} must be a mapping`, item as YamlNode, path)
    const at = (key: string) => (item.get(key, true) as YamlNode | undefined) ?? item
    const type: unknown = item.get('type')
    if (type === undefined) return fail(`${path} is missing 'type'`, item, `${path}.type`)
    if (typeof type !== 'string' || !ASSERTION_TYPES.includes(type))
      return fail(
        `unknown type ${JSON.stringify(type)}; valid types: ${ASSERTION_TYPES.join(', ')}`,
        at('type'),
        `${path}.type`,
      )
    const description: unknown = item.get('description')
    if (description !== undefined && typeof description !== 'string')
      return fail('must be a string', at('description'), `${path}.description`)
    const number = (key: string, fallback: number): number | PolicyFileError => {
      const value: unknown = item.get(key)
      if (value === undefined) return fallback
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        return fail('must be a non-negative number', at(key), `${path}.${key}`)
      return value
    }
    const requiredString = (key: string): string | PolicyFileError => {
      const value: unknown = item.get(key)
      if (typeof value !== 'string' || value.trim() === '')
        return fail(`${type} needs ${key} (a string)`, at(key), `${path}.${key}`)
      return value
    }
    const text = description ?? ''
    switch (type) {
      case 'min_readiness_pct': {
        const threshold = number('threshold', 80)
        if (typeof threshold !== 'number') return threshold
        assertions.push({ type, threshold, description: text })
        break
      }
      case 'attested_not_inferred': {
        const minPct = number('min_pct', 60)
        if (typeof minPct !== 'number') return minPct
        assertions.push({ type, min_pct: minPct, description: text })
        break
      }
      case 'record_type_present': {
        const recordType = requiredString('record_type')
        if (typeof recordType !== 'string') return recordType
        assertions.push({ type, record_type: recordType, description: text })
        break
      }
      case 'min_records_per_system': {
        const recordType = requiredString('record_type')
        if (typeof recordType !== 'string') return recordType
        const count = number('count', 1)
        if (typeof count !== 'number') return count
        const per: unknown = item.get('per')
        let perDays: number | undefined
        if (per !== undefined) {
          const match = typeof per === 'string' ? /^(\d+)d$/.exec(per.trim()) : undefined
          if (!match) return fail('must look like "30d" (a number of days)', at('per'), `${path}.per`)
          perDays = Number(match[1])
        }
        assertions.push({
          type,
          record_type: recordType,
          count,
          ...(perDays === undefined ? {} : { per_days: perDays }),
          description: text,
        })
        break
      }
      default: {
        const minPct = number('min_pct', 80)
        if (typeof minPct !== 'number') return minPct
        const scanPath: unknown = item.get('path') ?? '.'
        if (typeof scanPath !== 'string') return fail('must be a string', at('path'), `${path}.path`)
        assertions.push({ type: 'scan_coverage', min_pct: minPct, path: scanPath, description: text })
      }
    }
  }
  return { file, name, framework, assertions }
}

/** Whether a load result is an error. */
export function isPolicyError(value: PolicyFile | PolicyFileError): value is PolicyFileError {
  return !('assertions' in value)
}

import { describe, expect, it } from 'vitest'
import { parsePolicy } from './parse-policy'
import { PolicyValidationError } from './validate-policy'

function refusal(source: string): PolicyValidationError {
  try {
    parsePolicy(source, { file: 'policy.yaml' })
  } catch (error) {
    if (error instanceof PolicyValidationError) return error
    throw error
  }
  throw new Error('the policy was accepted')
}

// "Billion laughs": nine levels of nine aliases each, 9^9 strings once expanded.
const LAUGHS = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
  .concat(
    [...'bcdefghi'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
  )
  .join('\n')

describe('parsePolicy', () => {
  it('reads GovernsAI’s policy.tool_access.yaml shape', () => {
    const policy = parsePolicy(`
version: 1
defaults:
  ingress: { action: redact }
  egress: { action: pass_through }
tool_access:
  weather.current:
    direction: both
    allow_pii: { "PII:email_address": pass_through }
deny_tools: [python.exec]
network_scopes: [net.]
on_error: best_effort
`)
    expect(policy.tool_access?.['weather.current']?.allow_pii).toEqual({
      'PII:email_address': 'pass_through',
    })
  })

  it('refuses a bad action with its file, line, column and field', () => {
    const error = refusal(`version: 1
tool_access:
  weather.current:
    direction: both
    action: allow_everything
`)
    expect(error.code).toBe('policy_invalid')
    expect(error.issues).toEqual([
      expect.objectContaining({ field: 'tool_access["weather.current"].action', line: 5, column: 13 }),
    ])
    expect(error.message).toContain('policy.yaml:5:13 tool_access["weather.current"].action: must be one of')
    expect(error.details).toMatchObject({ file: 'policy.yaml' })
  })

  it('refuses unknown fields (a typo never silently weakens a policy), each with its line', () => {
    const error = refusal(`version: 1
deny_tool: [shell.exec]
defaults:
  ingress: { acton: deny }
`)
    expect(error.issues.map((issue) => [issue.field, issue.line])).toEqual([
      ['deny_tool', 2],
      ['defaults.ingress.acton', 4],
      ['defaults.ingress.action', 4],
    ])
  })

  it('refuses YAML syntax errors and duplicate keys with their line', () => {
    expect(refusal('version: 1\ndefaults: [unclosed\n').issues[0]?.line).toBeGreaterThanOrEqual(2)
    const duplicate = refusal('version: 1\non_error: pass\non_error: block\n')
    expect(duplicate.issues[0]).toMatchObject({ field: '(syntax)', line: 3 })
  })

  it('refuses aliases that expand without end, as a policy error rather than a crash', () => {
    const refused = refusal(`version: 1\n${LAUGHS}\n`)
    expect(refused.issues).toEqual([
      expect.objectContaining({
        field: '(syntax)',
        message: expect.stringMatching(/cannot be expanded.*alias/i),
      }),
    ])
  })

  it('refuses a document that is not a map', () => {
    expect(refusal('- a\n- b\n').issues[0]?.field).toBe('(policy)')
  })
})

import { describe, expect, it } from 'vitest'
import { analyzeSource } from './analyze-file'
import {
  bracketDepth,
  hasMoreNestingTokens,
  MAX_BRACKET_DEPTH,
  needsParseProbe,
  PROBE_ABOVE_TOKENS,
  UnparseableSourceError,
} from './parse-guard'

describe('parse guard', () => {
  it('measures bracket depth, never below the real nesting', () => {
    expect(bracketDepth('f(a[1], { b: [2] })')).toBe(3)
    expect(bracketDepth('a) b ] c }')).toBe(0)
    // A template's `${` opens a level too: `${`${x}`}`.
    expect(bracketDepth(['`$', '{`$', '{x}`}`'].join(''))).toBe(2)
  })

  it('counts the tokens that can open a nesting level, stopping at the limit', () => {
    expect(hasMoreNestingTokens('a => a => a', 2)).toBe(false)
    expect(hasMoreNestingTokens('x = a ? b : c', 2)).toBe(true)
    expect(hasMoreNestingTokens('x = a ? b : c', 3)).toBe(false)
    expect(hasMoreNestingTokens(`${'if (a) '.repeat(10)};`, 9)).toBe(true)
    // Keywords count as words only: `ifs` and `iffy` are names.
    expect(hasMoreNestingTokens('const ifs = 1; iffy()', 1)).toBe(false)
    expect(hasMoreNestingTokens('iffy(); ifs', 0)).toBe(false)
    expect(hasMoreNestingTokens('if (a) b()', 0)).toBe(true)
  })

  it('sends a file to the probe only when its brackets are not already too deep', () => {
    const tokens = 'x = 1\n'.repeat(PROBE_ABOVE_TOKENS + 1)
    expect(needsParseProbe(tokens)).toBe(true)
    expect(needsParseProbe(`${tokens}${'['.repeat(MAX_BRACKET_DEPTH + 1)}`)).toBe(false)
    expect(needsParseProbe('x = 1\n'.repeat(PROBE_ABOVE_TOKENS))).toBe(false)
  })

  it('refuses to parse brackets nested past the limit, naming the depth', () => {
    const deep = `import OpenAI from 'openai'\nexport const x = ${'['.repeat(MAX_BRACKET_DEPTH + 1)}${']'.repeat(MAX_BRACKET_DEPTH + 1)}\n`
    expect(() => analyzeSource('deep.ts', deep)).toThrow(UnparseableSourceError)
    expect(() => analyzeSource('deep.ts', deep)).toThrow(/brackets nest 1001 levels deep/)
    const fine = `import OpenAI from 'openai'\nexport const x = ${'['.repeat(MAX_BRACKET_DEPTH)}${']'.repeat(MAX_BRACKET_DEPTH)}\n`
    expect(analyzeSource('fine.ts', fine).findings).toEqual([])
  })

  it('skips a statement too deep for the analysis and still reports the calls around it', () => {
    const source = [
      "import OpenAI from 'openai'",
      'const client = new OpenAI()',
      `export const sum = 1${' + 1'.repeat(60_000)}`,
      "export const ask = () => client.responses.create({ model: 'gpt-4o', input: 'x' })",
    ].join('\n')
    const analysis = analyzeSource('chain.ts', source)
    expect(analysis.tooDeepStatements).toBe(1)
    expect(analysis.findings.map((finding) => [finding.line, finding.library, finding.attested])).toEqual([
      [4, 'openai', false],
    ])
  })
})

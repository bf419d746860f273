import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { assertAttested } from './assert-attested'
import { scan } from './scan'

const CALL = "export const ask = () => client.responses.create({ model: 'gpt-4o', input: 'x' })"
const file = (middle: string): string =>
  ["import OpenAI from 'openai'", 'const client = new OpenAI()', middle, CALL, ''].join('\n')

/**
 * Files built to crash a recursive parser. Each would kill the scanning process with SIGSEGV
 * (uncatchable) if it reached oxc-parser unguarded; the scan must survive all of them, report
 * each as not analysed, and still analyse every other file.
 */
describe('scan: files nested too deep to parse', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'mima-hostile-'))
  // Brackets: refused before parsing.
  writeFileSync(
    join(root, 'brackets.ts'),
    file(`export const x = ${'['.repeat(20_000)}${']'.repeat(20_000)}`),
  )
  // No brackets: an arrow chain deep enough to crash the parser, caught by the child-process probe.
  writeFileSync(join(root, 'arrows.ts'), file(`export const f = ${'a => '.repeat(30_000)}1`))
  // Many nesting tokens, none deep: probed, found safe, analysed here.
  writeFileSync(
    join(root, 'long.ts'),
    file(Array.from({ length: 3000 }, (_, i) => `export const v${i} = ${i}`).join('\n')),
  )
  // Deep for the analysis's own stack, not the parser's: the statement is skipped, the rest analysed.
  writeFileSync(join(root, 'sum.ts'), file(`export const sum = 1${' + 1'.repeat(60_000)}`))
  writeFileSync(join(root, 'plain.ts'), file(''))

  it('survives, reports the unparsed files as errors and finds every other call', async () => {
    const result = await scan(['.'], { cwd: root, workers: 0 })
    // Parsed files give resolved (high) findings; the two the parser must not see give what their
    // text alone shows (low), at the same line and column.
    expect(
      result.findings.map(
        (finding) => `${finding.file}:${finding.line}:${finding.column} ${finding.confidence}`,
      ),
    ).toEqual([
      'arrows.ts:4:26 low',
      'brackets.ts:4:26 low',
      'long.ts:3003:26 high',
      'plain.ts:4:26 high',
      'sum.ts:4:26 high',
    ])
    expect(result.unattested).toBe(3)
    expect(result.lowConfidence).toBe(2)
    expect(result.problems.map((problem) => [problem.file, problem.severity])).toEqual([
      ['arrows.ts', 'error'],
      ['brackets.ts', 'error'],
      ['sum.ts', 'error'],
    ])
    const messages = Object.fromEntries(result.problems.map((problem) => [problem.file, problem.message]))
    expect(messages['brackets.ts']).toMatch(/brackets nest 20000 levels deep/)
    expect(messages['arrows.ts']).toMatch(/the parser crashed on this file in a test run \(SIGSEGV\)/)
    expect(messages['sum.ts']).toMatch(/1 statement\(s\) nest too deep to analyse/)
  })

  it('fails assertAttested closed on files it could not analyse, unless told otherwise', async () => {
    const result = await scan(['brackets.ts'], { cwd: root, workers: 0 })
    expect(result.findings.map((finding) => finding.confidence)).toEqual(['low'])
    expect(() => assertAttested(result)).toThrow(/1 file\(s\) could not be analysed[\s\S]*brackets\.ts/)
    expect(assertAttested(result, { allowUnanalysed: true })).toMatch(/^Coverage 100%/)
  })
})

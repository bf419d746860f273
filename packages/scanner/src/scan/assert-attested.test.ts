import { join } from 'node:path'
import { MimaError } from '@mima/core'
import { describe, expect, it } from 'vitest'
import { assertAttested } from './assert-attested'
import { scan } from './scan'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures')

describe('assertAttested', () => {
  it('throws unattested_call naming each unattested site below the minimum, and passes at or above it', async () => {
    const result = await scan(['.'], { cwd: join(FIXTURES, 'attestation'), workers: 0 })
    let thrown: unknown
    try {
      assertAttested(result, { minCoverage: 1 })
    } catch (error) {
      thrown = error
    }
    expect(MimaError.isInstance(thrown)).toBe(true)
    expect((thrown as MimaError).code).toBe('unattested_call')
    expect((thrown as MimaError).message).toMatch(/^Coverage 66\.6% < 100% — 3 unattested call site\(s\):/)
    expect((thrown as MimaError).message).toContain('attested.ts:54:28  openai chat')
    expect(assertAttested(result, { minCoverage: 0.6 })).toBe('Coverage 66.6% >= 60%')
    expect(() => assertAttested(result, { minCoverage: 0.6, maxUnattested: 2 })).toThrow(
      /3 unattested > 2 allowed/,
    )
    expect(() => assertAttested(result, { minCoverage: 2 })).toThrow(/between 0 and 1/)
  })

  it('passes a tree with no AI calls (coverage 1)', async () => {
    const result = await scan(['.'], { cwd: join(FIXTURES, 'lookalikes'), workers: 0 })
    expect(result.coverage).toBe(1)
    expect(assertAttested(result)).toBe('Coverage 100% >= 100%')
  })
})

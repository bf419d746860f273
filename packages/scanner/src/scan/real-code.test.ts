import { readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from './scan'

interface Expected {
  readonly packages: ReadonlyArray<{
    readonly package: string
    readonly version: string
    readonly sites: readonly string[]
  }>
}

const PACKAGE_DIRECTORY = join(import.meta.dirname, '..', '..')
const expected = JSON.parse(
  readFileSync(join(PACKAGE_DIRECTORY, 'test', 'real-code', 'expected-sites.json'), 'utf8'),
) as Expected

describe('real code nobody here wrote: published packages that call AI SDKs, scanned in node_modules', () => {
  let truePositives = 0
  let reported = 0
  let labelled = 0
  for (const entry of expected.packages) {
    it(`${entry.package}@${entry.version}: precision and recall ≥ 0.95 against the hand-labelled sites`, async () => {
      const directory = realpathSync(join(PACKAGE_DIRECTORY, 'node_modules', entry.package))
      const installed = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        version: string
      }
      expect(installed.version).toBe(entry.version)
      const result = await scan(['.'], {
        cwd: directory,
        defaultExcludes: false,
        gitignore: false,
        workers: 0,
      })
      const found = new Set(
        result.findings.map((finding) => `${finding.file}:${finding.line} ${finding.library}`),
      )
      const truth = new Set(entry.sites)
      const hits = [...found].filter((site) => truth.has(site)).length
      truePositives += hits
      reported += found.size
      labelled += truth.size
      const precision = found.size === 0 ? 1 : hits / found.size
      const recall = truth.size === 0 ? 1 : hits / truth.size
      expect({ precision, recall, missed: [...truth].filter((site) => !found.has(site)) }).toEqual({
        precision: expect.any(Number),
        recall: expect.any(Number),
        missed: [],
      })
      expect(precision).toBeGreaterThanOrEqual(0.95)
      expect(recall).toBeGreaterThanOrEqual(0.95)
    })
  }
  it('over all packages', () => {
    expect(labelled).toBeGreaterThan(0)
    expect(truePositives / reported).toBeGreaterThanOrEqual(0.95)
    expect(truePositives / labelled).toBeGreaterThanOrEqual(0.95)
  })
})

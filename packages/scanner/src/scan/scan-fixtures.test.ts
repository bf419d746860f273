import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from './scan'

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures')

/** `// @expect <library> <operation> [attested] [low]` comments, as `file:line library operation attested confidence`. */
function expectations(root: string): string[] {
  const found: string[] = []
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.[cm]?[jt]sx?$/.test(entry))
        readFileSync(path, 'utf8')
          .split('\n')
          .forEach((line, index) => {
            const match = /\/\/ @expect (\S+) (\S+)((?: \w+)*)\s*$/.exec(line)
            if (!match) return
            const flags = (match[3] ?? '').trim().split(' ')
            const file = relative(root, path).split(sep).join('/')
            found.push(
              `${file}:${index + 1} ${match[1]} ${match[2]} ${flags.includes('attested') ? 'attested' : 'unattested'} ${flags.includes('low') ? 'low' : 'high'}`,
            )
          })
    }
  }
  walk(root)
  return found.sort()
}

async function findings(root: string): Promise<string[]> {
  const result = await scan(['.'], { cwd: root, workers: 0 })
  return result.findings
    .map(
      (finding) =>
        `${finding.file}:${finding.line} ${finding.library} ${finding.operation} ${finding.attested ? 'attested' : 'unattested'} ${finding.confidence}`,
    )
    .sort()
}

describe('fixture corpus: every finding is expected and every expectation is found', () => {
  for (const project of ['sdks', 'handles', 'attestation', 'lookalikes', 'commonjs', 'monorepo']) {
    it(project, async () => {
      const root = join(FIXTURES, project)
      expect(await findings(root)).toEqual(expectations(root))
    })
  }
})

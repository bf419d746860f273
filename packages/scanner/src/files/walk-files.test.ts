import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { walkSourceFiles } from './walk-files'

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mima-walk-'))
  mkdirSync(join(root, '.git'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

const list = (root: string, options: Parameters<typeof walkSourceFiles>[1] = {}) =>
  walkSourceFiles([root], options).map((file) => relative(root, file).split(sep).join('/'))

describe('walkSourceFiles', () => {
  const root = tree({
    'src/app.ts': '',
    'src/view.tsx': '',
    'src/legacy.cjs': '',
    'src/esm.mjs': '',
    'src/types.d.ts': '',
    'src/app.test.ts': '',
    'src/generated/client.ts': '',
    'src/notes.md': '',
    'tests/e2e.ts': '',
    'node_modules/openai/index.js': '',
    'dist/index.js': '',
    'ignored/secret.ts': '',
    '.gitignore': 'ignored/\n*.local.ts\n',
    'src/dev.local.ts': '',
  })

  it('takes the eight source extensions, never .d.ts, and skips dependencies, build output, tests and .gitignore matches', () => {
    expect(list(root)).toEqual([
      'src/app.ts',
      'src/esm.mjs',
      'src/generated/client.ts',
      'src/legacy.cjs',
      'src/view.tsx',
    ])
  })

  it('--exclude and --include globs narrow it down', () => {
    expect(list(root, { exclude: ['**/generated/**'] })).not.toContain('src/generated/client.ts')
    expect(list(root, { include: ['**/*.ts'] })).toEqual(['src/app.ts', 'src/generated/client.ts'])
  })

  it('--no-default-excludes scans dependencies, build output and tests; gitignore: false ignores .gitignore', () => {
    const all = list(root, { defaultExcludes: false })
    expect(all).toEqual(
      expect.arrayContaining([
        'node_modules/openai/index.js',
        'dist/index.js',
        'src/app.test.ts',
        'tests/e2e.ts',
      ]),
    )
    expect(all).not.toContain('ignored/secret.ts')
    expect(list(root, { gitignore: false })).toEqual(
      expect.arrayContaining(['ignored/secret.ts', 'src/dev.local.ts']),
    )
  })

  it('takes a single file as given and refuses a missing path', () => {
    expect(list(join(root, 'src', 'app.ts')).length).toBe(1)
    expect(() => walkSourceFiles([join(root, 'missing')])).toThrow(/path not found/)
  })
})

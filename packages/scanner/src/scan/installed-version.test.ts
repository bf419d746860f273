import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from './scan'

function write(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, text)
}

describe('the AI SDK versions a scan reports', () => {
  it('is the installed version Node would resolve, hoisted to a workspace root or beside the package', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mima-versions-'))
    // An npm/yarn workspace: the app declares ranges, the root node_modules holds what is installed.
    write(join(root, 'package.json'), '{ "name": "root", "private": true, "workspaces": ["packages/*"] }')
    write(join(root, 'node_modules', 'openai', 'package.json'), '{ "name": "openai", "version": "6.3.1" }')
    const app = join(root, 'packages', 'app')
    write(
      join(app, 'package.json'),
      '{ "name": "app", "dependencies": { "openai": "^6.0.0", "@anthropic-ai/sdk": "^1.2.0" } }',
    )
    write(
      join(app, 'src', 'index.ts'),
      [
        "import OpenAI from 'openai'",
        "import Anthropic from '@anthropic-ai/sdk'",
        'const openai = new OpenAI()',
        'const anthropic = new Anthropic()',
        "export const a = () => openai.responses.create({ model: 'gpt-4o', input: 'x' })",
        "export const b = () => anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 9, messages: [] })",
      ].join('\n'),
    )
    const result = await scan(['.'], { cwd: app, workers: 0 })
    expect(result.libraries).toEqual([
      // Not installed anywhere: the declared range is all there is.
      { name: '@anthropic-ai/sdk', package: '@anthropic-ai/sdk', version: '^1.2.0' },
      { name: 'openai', package: 'openai', version: '6.3.1' },
    ])
  })

  it('is found beside a package scanned inside a pnpm store, where its own package.json declares a range', async () => {
    const store = mkdtempSync(join(tmpdir(), 'mima-pnpm-'))
    const modules = join(store, 'node_modules', '.pnpm', '@langchain+openai@1.0.0', 'node_modules')
    write(join(modules, 'openai', 'package.json'), '{ "name": "openai", "version": "7.10.2" }')
    const scanned = join(modules, '@langchain', 'openai')
    write(
      join(scanned, 'package.json'),
      '{ "name": "@langchain/openai", "dependencies": { "openai": "^7.10.0" } }',
    )
    write(
      join(scanned, 'dist', 'index.js'),
      "import OpenAI from 'openai'\nconst client = new OpenAI()\nexport const run = () => client.embeddings.create({ model: 'e', input: 'x' })\n",
    )
    const result = await scan(['.'], { cwd: scanned, workers: 0, defaultExcludes: false, gitignore: false })
    expect(result.findings).toHaveLength(1)
    expect(result.libraries).toEqual([{ name: 'openai', package: 'openai', version: '7.10.2' }])
  })
})

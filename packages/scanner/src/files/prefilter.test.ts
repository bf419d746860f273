import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scan } from '../scan/scan'
import { mentionsAiSdk } from './prefilter'

describe('the text pre-filter', () => {
  it('lets through a file that only calls a member path AI clients have, so the heuristic sees it', async () => {
    // No SDK is named anywhere in this file: the client comes in untyped from another package.
    const source =
      'export const ask = (client) => client.chat.completions.create({ model: "m", messages: [] })\n'
    expect(mentionsAiSdk(source)).toBe(true)
    const root = mkdtempSync(join(tmpdir(), 'mima-prefilter-'))
    writeFileSync(join(root, 'ask.js'), source)
    const result = await scan(['.'], { cwd: root, workers: 0 })
    expect(
      result.findings.map((finding) => [finding.file, finding.line, finding.operation, finding.confidence]),
    ).toEqual([['ask.js', 1, 'chat', 'low']])
  })

  it('names the newer SDKs and frameworks', () => {
    for (const specifier of [
      'together-ai',
      '@aws-sdk/client-bedrock-runtime',
      '@huggingface/inference',
      'replicate',
      '@mastra/core/agent',
      'genkit',
      '@genkit-ai/ai',
    ])
      expect(mentionsAiSdk(`import x from '${specifier}'`), specifier).toBe(true)
  })

  it('skips a file that names no AI SDK and no AI-only member path', () => {
    expect(mentionsAiSdk("import { S3Client } from '@aws-sdk/client-s3'\ndb.messages.create({})\n")).toBe(
      false,
    )
  })
})

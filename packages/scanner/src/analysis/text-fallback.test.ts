import { describe, expect, it } from 'vitest'
import { textFallbackFindings } from './text-fallback'

const sites = (source: string): string[] =>
  textFallbackFindings(source).map(
    (finding) =>
      `${finding.line}:${finding.column} ${finding.library} ${finding.operation} ${finding.callee}`,
  )

describe('the text fallback for files too deep to parse', () => {
  it('reads the member paths only AI clients have, with line and column, whatever the spacing', () => {
    const source = [
      'const a = client.chat.completions.create({})',
      '  await llm?.chat?.completions?.create({})',
      'ai',
      '  .chat.completions',
      '  .stream({})',
    ].join('\n')
    expect(sites(source)).toEqual([
      '1:11 openai chat client.chat.completions.create',
      '2:9 openai chat llm.chat.completions.create',
      '3:1 openai chat ai.chat.completions.stream',
    ])
  })

  it('counts two-segment paths only in a file that imports the SDK, and never on a database', () => {
    const calls = 'client.messages.create({})\nclient.responses.create({})\ndb.messages.create({})\n'
    expect(sites(calls)).toEqual([])
    expect(sites(`import Anthropic from '@anthropic-ai/sdk'\n${calls}`)).toEqual([
      '2:1 @anthropic-ai/sdk chat client.messages.create',
    ])
    expect(sites(`const Groq = require("groq-sdk")\n${calls}`)).toEqual([
      '3:1 groq-sdk chat client.responses.create',
    ])
  })
})

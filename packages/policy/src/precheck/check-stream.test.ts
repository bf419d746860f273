import { describe, expect, it } from 'vitest'
import { createPolicyEngine } from './create-policy-engine'

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part
}

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let out = ''
  for await (const chunk of stream) out += chunk
  return out
}

const KEY = `sk-proj-${'Q7w8E9r0'.repeat(4)}`

describe('checkStream', () => {
  const engine = createPolicyEngine({
    policy: {
      defaults: { egress: { action: 'redact' } },
      tool_access: {
        'support.reply': {
          direction: 'egress',
          action: 'redact',
          allow_pii: { credit_card: 'deny', email: 'pass_through' },
        },
        'raw.dump': { direction: 'egress', action: 'deny' },
        'public.echo': { direction: 'egress', action: 'pass_through' },
      },
    },
  })

  it('redacts a secret split across chunks as the stream flows', async () => {
    const stream = engine.checkStream(
      chunks('your key is ', KEY.slice(0, 14), KEY.slice(14), ' keep it safe'),
      {
        tool: 'model.chat',
      },
    )
    expect(await collect(stream)).toBe('your key is <OPENAI_KEY_1> keep it safe')
  })

  it('follows the per-kind table: keeps e-mails, stops at a card number after the clean text', async () => {
    const stream = engine.checkStream(
      chunks('write to ana@example.com, card 4111 1111 ', '1111 1111 then more'),
      { tool: 'support.reply' },
    )
    const seen: string[] = []
    const reading = (async () => {
      for await (const chunk of stream) seen.push(chunk)
    })()
    await expect(reading).rejects.toMatchObject({ code: 'policy_denied' })
    expect(seen.join('')).toBe('write to ana@example.com, card ')
  })

  it('refuses a denied stream before reading it, and passes an untouched one through as is', async () => {
    let read = false
    const source = (async function* () {
      read = true
      yield 'x'
    })()
    expect(() => engine.checkStream(source, { tool: 'raw.dump' })).toThrow(/denies this stream/)
    expect(read).toBe(false)
    const untouched = chunks('ana@example.com')
    expect(engine.checkStream(untouched, { tool: 'public.echo' })).toBe(untouched)
  })

  it('works on a web ReadableStream too', async () => {
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('mail ana@exa')
        controller.enqueue('mple.com now')
        controller.close()
      },
    })
    const stream = engine.checkStream(source)
    expect(stream).toBeInstanceOf(ReadableStream)
    let out = ''
    for await (const chunk of stream as unknown as AsyncIterable<string>) out += chunk
    expect(out).toBe('mail <EMAIL_1> now')
  })
})

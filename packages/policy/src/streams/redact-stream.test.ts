import { join } from 'node:path'
import { MimaError } from '@mima/core'
import { describe, expect, test } from 'vitest'
import { loadCorpus } from '../detectors/corpus-score'
import { type Finding, redact, redactStream, restoreRedacted } from '../index'

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let text = ''
  for await (const piece of stream) text += piece
  return text
}

async function* chunked(text: string, sizes: readonly number[]): AsyncGenerator<string> {
  let index = 0
  for (let position = 0; position < text.length; index++) {
    const size = sizes[index % sizes.length] as number
    yield text.slice(position, position + size)
    position += size
  }
}

const KEY = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7CD0efGH3ijKL6'

describe('redactStream', () => {
  test('a secret split across two chunks is still caught', async () => {
    const output = await collect(redactStream(chunked(`my key is ${KEY} ok`, [16, 1000])))
    expect(output).toBe('my key is <OPENAI_KEY_1> ok')
  })

  test('streams in any chunking give the same text as redacting the whole', async () => {
    const corpus = loadCorpus(join(import.meta.dirname, '../../corpus/pii-corpus.txt'))
    const whole = corpus
      .slice(0, 120)
      .map((item) => item.text)
      .join('\n')
    const expected = redact(whole).text
    for (const sizes of [[1], [7, 3, 50], [1000], [4096]]) {
      expect(await collect(redactStream(chunked(whole, sizes)))).toBe(expected)
    }
  })

  test('never holds the whole stream: what it keeps back stays bounded', async () => {
    let produced = 0
    let consumed = 0
    let mostHeld = 0
    async function* endless(): AsyncGenerator<string> {
      for (let index = 0; index < 2000; index++) {
        const piece = `line ${index} mail user${index}@example.com and more words here.\n`
        produced += piece.length
        yield piece
      }
    }
    // mask mode keeps lengths, so characters out = characters in
    for await (const piece of redactStream(endless(), { lookBehind: 256, mode: 'mask' })) {
      consumed += piece.length
      mostHeld = Math.max(mostHeld, produced - consumed)
    }
    expect(produced).toBeGreaterThan(100_000)
    // at most 2 × lookBehind plus one chunk, far below the stream's size
    expect(mostHeld).toBeLessThanOrEqual(2 * 256 + 64)
  })

  test('a private key longer than the look-behind is held until its footer arrives', async () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n'.repeat(20)}-----END RSA PRIVATE KEY-----`
    const output = await collect(redactStream(chunked(`key:\n${pem}\ndone`, [40]), { lookBehind: 64 }))
    expect(output).toBe('key:\n<PRIVATE_KEY_1>\ndone')
  })

  test('stop ends the stream with policy_denied after the clean text before the value', async () => {
    const seen: Finding[] = []
    const pieces: string[] = []
    const run = async () => {
      for await (const piece of redactStream(
        chunked(`hello there, mail ada@example.com now ${'x '.repeat(300)}`, [10]),
        { action: 'stop', onFinding: (finding) => seen.push(finding) },
      )) {
        pieces.push(piece)
      }
    }
    await expect(run()).rejects.toSatisfy(
      (error: unknown) => MimaError.isInstance(error) && error.code === 'policy_denied',
    )
    expect(pieces.join('')).toBe('hello there, mail ')
    expect(seen.map((finding) => finding.kind)).toEqual(['email'])
    expect(seen[0]?.start).toBe(18)
  })

  test('wraps a web ReadableStream of bytes, and token mode hands over its mapping', async () => {
    const bytes = new TextEncoder().encode(`card 4111 1111 1111 1111 for ada@example.com`)
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        // split inside a multi-byte-free text and inside the card number
        controller.enqueue(bytes.slice(0, 9))
        controller.enqueue(bytes.slice(9))
        controller.close()
      },
    })
    let mapping = ''
    const key = 'a-stream-key-of-sufficient-length'
    const output = redactStream(source, { mode: 'token', key, onMapping: (sealed) => (mapping = sealed) })
    expect(output).toBeInstanceOf(ReadableStream)
    let text = ''
    const reader = output.getReader()
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += read.value
    expect(text).toMatch(/^card <CREDIT_CARD:[0-9a-f]{16}> for <EMAIL:[0-9a-f]{16}>$/)
    expect(restoreRedacted(text, mapping, key)).toBe('card 4111 1111 1111 1111 for ada@example.com')
  })

  test('refuses what is not a stream', () => {
    expect(() => redactStream(42 as unknown as AsyncIterable<string>)).toThrow(
      /async iterable or a ReadableStream/,
    )
  })
})

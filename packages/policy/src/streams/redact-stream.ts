import { MimaError } from '@mima/core'
import { detect } from '../detectors/detect'
import type { Finding } from '../detectors/types'
import { type RedactOptions, Replacer } from '../redaction/redact'

/** Options for {@link redactStream}: the redaction options plus how much to hold back. */
export interface RedactStreamOptions extends Omit<RedactOptions, 'findings'> {
  /**
   * `redact` (default) replaces each value as it passes; `stop` ends the stream with a
   * `policy_denied` error at the first value, after passing on the clean text before it.
   */
  readonly action?: 'redact' | 'stop'
  /**
   * Characters held back at the end of what has arrived, so a value split across chunks is seen
   * whole before anything of it is passed on. Default 256; values longer than this (PEM keys) are
   * held until complete, up to `maxHold`.
   */
  readonly lookBehind?: number
  /** The most text ever held back, in characters. Default 16384. Past it, text is passed on. */
  readonly maxHold?: number
  /** Called for each value found, with offsets into the whole stream. */
  readonly onFinding?: (finding: Finding) => void
  /** `token` mode: receives the encrypted mapping of every token when the stream ends. */
  readonly onMapping?: (mapping: string) => void
}

/** A text stream: an async iterable of string (or UTF-8 byte) chunks, or a web `ReadableStream`. */
export type TextChunk = string | Uint8Array

const PEM_HEADER = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9
}

/** Where the text may be cut so nothing after the cut can belong to a value before it. */
function safeCut(pending: string, findings: readonly Finding[], lookBehind: number, maxHold: number): number {
  let cut = pending.length - lookBehind
  // never inside a word: back up to whitespace (a value continues across no space we did not see)
  let back = cut
  while (back > 0 && !isSpace(pending.charCodeAt(back - 1))) back--
  if (back > 0) cut = back
  // an unfinished private key: hold from its header until its footer arrives
  PEM_HEADER.lastIndex = 0
  for (let header = PEM_HEADER.exec(pending); header !== null; header = PEM_HEADER.exec(pending)) {
    if (header.index >= cut) break
    const label = header[0].slice(11, -5)
    if (!pending.includes(`-----END ${label}-----`, PEM_HEADER.lastIndex)) {
      cut = Math.min(cut, header.index)
      break
    }
  }
  // a finding across the cut: cut before it
  for (const finding of findings) if (finding.start < cut && finding.end > cut) cut = finding.start
  if (cut <= 0 && pending.length > maxHold) return pending.length - lookBehind
  return cut
}

async function* redactChunks(
  source: AsyncIterable<TextChunk>,
  options: RedactStreamOptions,
): AsyncGenerator<string> {
  const lookBehind = options.lookBehind ?? 256
  const maxHold = Math.max(options.maxHold ?? 16384, lookBehind * 2)
  const replacer = new Replacer(options)
  const decoder = new TextDecoder()
  let pending = ''
  let offset = 0
  const pass = function* (text: string, findings: readonly Finding[]): Generator<string> {
    for (const finding of findings) {
      const absolute = { ...finding, start: finding.start + offset, end: finding.end + offset }
      options.onFinding?.(absolute)
      if (options.action === 'stop') {
        if (finding.start > 0) yield text.slice(0, finding.start)
        throw new MimaError(
          'policy_denied',
          `The stream was stopped: it carried a value of kind "${finding.kind}" at offset ${absolute.start}.`,
          {
            details: { kind: finding.kind, start: absolute.start, end: absolute.end },
          },
        )
      }
    }
    const output = replacer.replace(text, findings)
    if (output !== '') yield output
  }
  for await (const chunk of source) {
    if (typeof chunk === 'string') pending += chunk
    else if (chunk instanceof Uint8Array) pending += decoder.decode(chunk, { stream: true })
    else
      throw new MimaError(
        'validation_failed',
        `redactStream() takes string or Uint8Array chunks, got ${typeof chunk}.`,
      )
    // work in steps of at least `lookBehind` new characters, so tiny chunks cost no more than big ones
    if (pending.length < lookBehind * 2) continue
    const findings = detect(pending, options)
    const cut = safeCut(pending, findings, lookBehind, maxHold)
    if (cut <= 0) continue
    const head = pending.slice(0, cut)
    yield* pass(
      head,
      findings.filter((finding) => finding.end <= cut),
    )
    offset += cut
    pending = pending.slice(cut)
  }
  pending += decoder.decode()
  if (pending !== '') yield* pass(pending, detect(pending, options))
  const mapping = replacer.sealedMapping()
  if (mapping !== undefined) options.onMapping?.(mapping)
}

async function* chunksOf(stream: ReadableStream<TextChunk>): AsyncGenerator<TextChunk> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * Redacts a text stream as it flows — an LLM response, a tool's output — without waiting for its
 * end and without keeping it: at most `lookBehind` characters (more only for an unfinished PEM key,
 * up to `maxHold`) are held back, so a value split across two chunks is still caught whole. Takes
 * and returns an async iterable, or a web `ReadableStream`.
 *
 * @example
 * ```ts
 * for await (const text of redactStream(modelStream)) process.stdout.write(text)
 * // "… key <OPENAI_KEY_1> …" even when the key arrived as "sk-pro" + "j-abc…"
 * ```
 */
export function redactStream(
  source: ReadableStream<TextChunk>,
  options?: RedactStreamOptions,
): ReadableStream<string>
export function redactStream(
  source: AsyncIterable<TextChunk>,
  options?: RedactStreamOptions,
): AsyncIterable<string>
export function redactStream(
  source: AsyncIterable<TextChunk> | ReadableStream<TextChunk>,
  options: RedactStreamOptions = {},
): AsyncIterable<string> | ReadableStream<string> {
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    const iterator = redactChunks(chunksOf(source), options)
    return new ReadableStream<string>({
      async pull(controller) {
        try {
          const { value, done } = await iterator.next()
          if (done) controller.close()
          else controller.enqueue(value)
        } catch (error) {
          controller.error(error)
        }
      },
      async cancel() {
        await iterator.return(undefined).catch(() => {})
      },
    })
  }
  if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source)) {
    throw new MimaError(
      'validation_failed',
      'redactStream() takes an async iterable or a ReadableStream of text chunks.',
    )
  }
  return redactChunks(source, options)
}

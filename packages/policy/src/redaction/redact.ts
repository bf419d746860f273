import { MimaError } from '@mima/core'
import { detect } from '../detectors/detect'
import type { DetectOptions, Finding } from '../detectors/types'
import { deriveKeys, openMapping, type RedactionKey, sealMapping, tokenFor } from './redaction-keys'

/**
 * How a finding is replaced:
 * - `placeholder`: `<EMAIL_1>`, numbered per kind, the same value getting the same number in one text;
 * - `mask`: every letter and digit becomes `maskCharacter` (separators stay, so the shape is kept);
 * - `token`: `<EMAIL:3f9c…>`, a keyed HMAC of the value, the same for the same value and key
 *   everywhere; the key holder can restore the originals from the encrypted `mapping`.
 */
export type RedactionMode = 'placeholder' | 'mask' | 'token'

/** Options for {@link redact}: the detector options plus how to replace. */
export interface RedactOptions extends DetectOptions {
  /** Default `placeholder`. */
  readonly mode?: RedactionMode
  /** Required for `token` mode. Keep it secret: it is what allows restoring the originals. */
  readonly key?: RedactionKey
  /** `mask` mode: the character used, default `*`. */
  readonly maskCharacter?: string
  /** `mask` mode: how many trailing letters/digits stay visible (e.g. 4 for cards). Default 0. */
  readonly keepLast?: number
  /** Findings already computed by {@link detect} for this text; detection is skipped. */
  readonly findings?: readonly Finding[]
}

/** The result of {@link redact}. */
export interface Redaction {
  /** The text with every finding replaced. */
  readonly text: string
  /** What was replaced, with offsets into the original text. */
  readonly findings: readonly Finding[]
  /** `token` mode: the encrypted token → original mapping, for {@link restoreRedacted}. */
  readonly mapping?: string
}

function maskValue(value: string, character: string, keepLast: number): string {
  let visible = 0
  let masked = ''
  for (let index = value.length - 1; index >= 0; index--) {
    const code = value.charCodeAt(index)
    const alnum = (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122)
    if (alnum && visible < keepLast) {
      visible++
      masked = value[index] + masked
    } else masked = (alnum ? character : value[index]) + masked
  }
  return masked
}

/**
 * Replaces findings in successive pieces of one text, keeping placeholder numbers and the token
 * mapping across pieces (used by {@link redact} once and by the stream wrapper per chunk). Internal.
 */
// `<EMAIL_` for `email`: made once per kind, not per finding
const labels = new Map<string, string>()

function labelOf(kind: string): string {
  let label = labels.get(kind)
  if (label === undefined) {
    label = `<${kind.toUpperCase()}_`
    if (labels.size < 10_000) labels.set(kind, label)
  }
  return label
}

export class Replacer {
  private readonly mode: RedactionMode
  // placeholder numbers, made on the first finding (most texts have none)
  private numbers: Map<string, number> | undefined
  private counts: Map<string, number> | undefined
  private readonly entries: Record<string, string> = {}
  private readonly keys: ReturnType<typeof deriveKeys> | undefined
  private readonly character: string
  private readonly keepLast: number

  constructor(options: RedactOptions) {
    this.mode = options.mode ?? 'placeholder'
    if (this.mode !== 'placeholder' && this.mode !== 'mask' && this.mode !== 'token') {
      throw new MimaError(
        'config_invalid',
        `Unknown redaction mode "${String(this.mode)}": use placeholder, mask or token.`,
      )
    }
    this.keys = this.mode === 'token' ? keysFor(options) : undefined
    this.character = options.maskCharacter ?? '*'
    this.keepLast = options.keepLast ?? 0
  }

  /** `text` with each finding (offsets into `text`, sorted, not overlapping) replaced. */
  replace(text: string, findings: readonly Finding[]): string {
    if (findings.length === 0) return text
    let output = ''
    let cursor = 0
    for (const finding of findings) {
      output +=
        text.slice(cursor, finding.start) +
        this.replacement(finding.kind, text.slice(finding.start, finding.end))
      cursor = finding.end
    }
    return output + text.slice(cursor)
  }

  private replacement(kind: string, value: string): string {
    if (this.mode === 'mask') return maskValue(value, this.character, this.keepLast)
    if (this.keys !== undefined) {
      const token = tokenFor(this.keys, kind, value)
      this.entries[token] = value
      return token
    }
    const key = `${kind}\u0000${value}`
    this.numbers ??= new Map()
    this.counts ??= new Map()
    let number = this.numbers.get(key)
    if (number === undefined) {
      number = (this.counts.get(kind) ?? 0) + 1
      this.counts.set(kind, number)
      this.numbers.set(key, number)
    }
    return `${labelOf(kind)}${number}>`
  }

  /** `token` mode: the encrypted mapping of every token made so far. */
  sealedMapping(): string | undefined {
    return this.keys === undefined ? undefined : sealMapping(this.keys, this.entries)
  }
}

/**
 * Replaces every detected value in `text`. In `token` mode the result carries an encrypted
 * `mapping` that {@link restoreRedacted} opens with the same key; nobody without the key can
 * reverse a token or read the mapping.
 *
 * @example
 * ```ts
 * redact('Write to ada@example.com or ada@example.com').text
 * // 'Write to <EMAIL_1> or <EMAIL_1>'
 * const sealed = redact('card 4111 1111 1111 1111', { mode: 'token', key })
 * restoreRedacted(sealed.text, sealed.mapping!, key) // 'card 4111 1111 1111 1111'
 * ```
 */
export function redact(text: string, options: RedactOptions = {}): Redaction {
  const replacer = new Replacer(options)
  const findings = options.findings ?? detect(text, options)
  const output = replacer.replace(text, findings)
  const mapping = replacer.sealedMapping()
  return mapping === undefined ? { text: output, findings } : { text: output, findings, mapping }
}

function keysFor(options: RedactOptions): ReturnType<typeof deriveKeys> {
  if (options.key === undefined) {
    throw new MimaError(
      'config_invalid',
      'Token redaction needs a key: redact(text, { mode: "token", key }).',
    )
  }
  return deriveKeys(options.key)
}

const TOKEN = /<[A-Z0-9_]+:[0-9a-f]{16}>/g

/**
 * Puts the original values back into a token-redacted text (or a model's answer quoting its
 * tokens). Needs the key the text was redacted with; one or more mappings may be given, e.g. one
 * per message of a conversation. Tokens no mapping knows are left as they are.
 */
export function restoreRedacted(
  text: string,
  mapping: string | readonly string[],
  key: RedactionKey,
): string {
  const keys = deriveKeys(key)
  const entries: Record<string, string> = {}
  for (const sealed of typeof mapping === 'string' ? [mapping] : mapping)
    Object.assign(entries, openMapping(keys, sealed))
  return text.replace(TOKEN, (token) => entries[token] ?? token)
}

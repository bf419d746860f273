// Context words, looked up by token instead of substring search. Every word list is compiled once
// (at module load) into word ids. The text around a candidate (its windows and the value between)
// is tokenised once, shared by every matcher that asks (see `inSpan` in scan-state.ts); a token
// that no word starts like is skipped, the others are checked against a 64 Ki-entry hash filter
// (one array read, almost always a miss) and only possible words are looked up. A matcher's
// question ("is a passport word in the 48 characters before?") is then a scan of a few hits.
//
// Matching rules: a word matches a whole token; a word longer than four letters also matches the
// start of a token (`passport` → `passports`, `discharg` → `discharged`); words of several tokens
// (`date of birth`, `d.o.b`) match consecutive tokens; `#`, `$`, `€`, `£` and `§` are tokens of
// their own.

/** A compiled word list. */
export interface ContextWords {
  readonly ids: Int32Array
  /** `member[id] === 1` for the words of this list. */
  readonly member: Uint8Array
}

const FILTER_EXACT = new Uint8Array(1 << 16)
const FILTER_STEM = new Uint8Array(1 << 16)
const FILTER_PHRASE = new Uint8Array(1 << 16)
// Latin-1 characters (folded) that begin a registered word: a token that begins with another one,
// a number for instance, is skipped without hashing. Tokens from above Latin-1 are always looked up.
const STARTS_WORD = new Uint8Array(256)

interface Phrase {
  readonly id: number
  readonly tokens: readonly string[]
}

const SYMBOLS = '#$€£§'
const wordIds = new Map<string, number>()
// Lookups by a hash of the token's characters, so tokenising a window allocates no strings.
const exact = new Map<number, { readonly token: string; readonly ids: number[] }[]>()
const stems = new Map<number, { readonly stem: string; readonly id: number }[]>()
const phrases = new Map<number, Phrase[]>()

/** FNV-1a over `text[from, to)`. */
function hashOf(text: string, from: number, to: number): number {
  let hash = 0x811c9dc5
  for (let index = from; index < to; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193)
  return hash >>> 0
}

function listIn<T>(map: Map<number, T[]>, key: number): T[] {
  let list = map.get(key)
  if (list === undefined) {
    list = []
    map.set(key, list)
  }
  return list
}

function tokensOf(word: string): string[] {
  const tokens: string[] = []
  let token = ''
  for (const character of word.toLowerCase()) {
    const code = character.charCodeAt(0)
    if (isTokenCode(code)) token += character
    else {
      if (token !== '') tokens.push(token)
      token = ''
      if (SYMBOLS.includes(character)) tokens.push(character)
    }
  }
  if (token !== '') tokens.push(token)
  return tokens
}

function isTokenCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    (code >= 0xc0 && code !== 0xd7 && code !== 0xf7 && code !== 0x20ac)
  )
}

function register(word: string): number {
  const tokens = tokensOf(word)
  const key = tokens.join(' ')
  const known = wordIds.get(key)
  if (known !== undefined) return known
  const id = wordIds.size
  wordIds.set(key, id)
  if (tokens.length === 0) return id
  const first = (tokens[0] as string).charCodeAt(0)
  if (first < 256) STARTS_WORD[first] = 1
  if (tokens.length > 1) {
    const hash = hashOf(tokens[0] as string, 0, (tokens[0] as string).length)
    FILTER_PHRASE[hash & 0xffff] = 1
    listIn(phrases, hash).push({ id, tokens })
    return id
  }
  const token = tokens[0] as string
  if (token.length > 4) {
    FILTER_STEM[hashOf(token, 0, 5) & 0xffff] = 1
    listIn(stems, hashOf(token, 0, 5)).push({ stem: token, id })
  } else {
    FILTER_EXACT[hashOf(token, 0, token.length) & 0xffff] = 1
    const list = listIn(exact, hashOf(token, 0, token.length))
    const entry = list.find((candidate) => candidate.token === token)
    if (entry === undefined) list.push({ token, ids: [id] })
    else entry.ids.push(id)
  }
  return id
}

/** Compiles a word list; call at module load, not per text. */
export function contextWords(words: readonly string[]): ContextWords {
  const ids = Int32Array.from(new Set(words.map(register)))
  const member = new Uint8Array(Math.max(...ids, 0) + 1)
  for (const id of ids) member[id] = 1
  return { ids, member }
}

/** Every context word found in a text, in text order: `offsets[i]` is where word `ids[i]` starts. */
export interface ContextIndex {
  readonly offsets: number[]
  readonly ids: number[]
}

/** The character code at `index`, upper case (ASCII and Latin-1) folded to lower. */
function fold(text: string, index: number): number {
  const code = text.charCodeAt(index)
  if (code >= 65 && code <= 90) return code + 32
  if (code >= 0xc0 && code <= 0xde && code !== 0xd7) return code + 32
  return code
}

function startsWithFolded(text: string, word: string, at: number): boolean {
  if (at + word.length > text.length) return false
  for (let index = 0; index < word.length; index++)
    if (fold(text, at + index) !== word.charCodeAt(index)) return false
  return true
}

// Latin-1 characters: the lower-case code of a token character, 0 for the others (one read per
// character instead of a fold and a class test). Above Latin-1 every character but `€` is a token.
const TOKEN_FOLD = new Uint16Array(256)
for (let code = 0; code < 256; code++) {
  const folded =
    code >= 65 && code <= 90 ? code + 32 : code >= 0xc0 && code <= 0xde && code !== 0xd7 ? code + 32 : code
  TOKEN_FOLD[code] = isTokenCode(folded) ? folded : 0
}

/** The folded code of a token character at `index`, or 0 when it does not continue a token. */
function tokenAt(text: string, index: number): number {
  const code = text.charCodeAt(index)
  return code < 256 ? (TOKEN_FOLD[code] as number) : code === 0x20ac ? 0 : code
}

/**
 * Tokenises `lower[from, to)` (upper case folded as it is read, no copy) and records where each
 * context word occurs. A token cut by `from` is skipped; one cut by `to` is read to its end.
 */
export function indexContext(lower: string, from: number, to: number, base = 0): ContextIndex {
  const offsets: number[] = []
  const ids: number[] = []
  indexContextInto(lower, from, to, offsets, ids, base)
  return { offsets, ids }
}

/** {@link indexContext}, appending to `offsets` and `ids`. */
export function indexContextInto(
  lower: string,
  from: number,
  to: number,
  offsets: number[],
  ids: number[],
  base = 0,
): void {
  let tokenStart = -1
  let hash = 0
  let hash5 = 0
  let begin = from
  while (begin > 0 && begin < lower.length && tokenAt(lower, begin - 1) !== 0 && tokenAt(lower, begin) !== 0)
    begin++
  let length = Math.min(to, lower.length)
  while (length < lower.length && tokenAt(lower, length) !== 0) length++
  for (let index = begin; index <= length; index++) {
    const token = index < length ? tokenAt(lower, index) : 0
    if (token !== 0) {
      const code = token
      if (tokenStart < 0) {
        if (code < 256 && STARTS_WORD[code] === 0) {
          // no word begins with this character: skip the token
          while (index + 1 < length && tokenAt(lower, index + 1) !== 0) index++
          continue
        }
        tokenStart = index
        hash = 0x811c9dc5
      }
      hash = Math.imul(hash ^ code, 0x01000193)
      if (index - tokenStart === 4) hash5 = hash
      continue
    }
    const code = index < length ? lower.charCodeAt(index) : 32
    if (tokenStart >= 0) {
      const end = index
      const tokenLength = end - tokenStart
      const full = hash >>> 0
      const filterKey = full & 0xffff
      const first5 = hash5 >>> 0
      if (
        FILTER_EXACT[filterKey] === 1 ||
        (tokenLength >= 5 && FILTER_STEM[first5 & 0xffff] === 1) ||
        FILTER_PHRASE[filterKey] === 1
      ) {
        matchToken(lower, tokenStart, end, full, first5, offsets, ids, base)
      }
      tokenStart = -1
    }
    if (code === 35 || code === 36 || code === 0x20ac || code === 0xa3 || code === 0xa7) {
      matchToken(lower, index, index + 1, hashOf(lower, index, index + 1), 0, offsets, ids, base)
    }
  }
}

/** Looks one token up; phrases check the tokens that follow it in the text. */
function matchToken(
  lower: string,
  start: number,
  end: number,
  hash: number,
  hash5: number,
  offsets: number[],
  ids: number[],
  base: number,
): void {
  const exactList = exact.get(hash)
  if (exactList !== undefined) {
    for (const entry of exactList) {
      if (entry.token.length === end - start && startsWithFolded(lower, entry.token, start)) {
        for (const id of entry.ids) {
          offsets.push(start + base)
          ids.push(id)
        }
      }
    }
  }
  if (end - start >= 5) {
    const stemList = stems.get(hash5)
    if (stemList !== undefined) {
      for (const { stem, id } of stemList) {
        if (end - start >= stem.length && startsWithFolded(lower, stem, start)) {
          offsets.push(start + base)
          ids.push(id)
        }
      }
    }
  }
  const phraseList = phrases.get(hash)
  if (phraseList === undefined) return
  for (const phrase of phraseList) {
    let position = start
    let matches = true
    for (let offset = 0; matches && offset < phrase.tokens.length; offset++) {
      const wanted = phrase.tokens[offset] as string
      while (
        position < lower.length &&
        !isTokenCode(fold(lower, position)) &&
        !SYMBOLS.includes(lower[position] as string)
      )
        position++
      let tokenEnd = position
      while (tokenEnd < lower.length && isTokenCode(fold(lower, tokenEnd))) tokenEnd++
      if (tokenEnd === position && SYMBOLS.includes(lower[position] as string)) tokenEnd = position + 1
      const tokenLength = tokenEnd - position
      matches =
        startsWithFolded(lower, wanted, position) &&
        (tokenLength === wanted.length || (wanted.length > 4 && tokenLength > wanted.length))
      position = tokenEnd
    }
    if (matches) {
      offsets.push(start + base)
      ids.push(phrase.id)
    }
  }
}

/** Whether a word of `words` starts in `[from, to)` of the indexed text. */
export function hasContext(index: ContextIndex, words: ContextWords, from: number, to: number): boolean {
  const offsets = index.offsets
  let low = 0
  let high = offsets.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((offsets[middle] as number) < from) low = middle + 1
    else high = middle
  }
  const member = words.member
  for (let position = low; position < offsets.length && (offsets[position] as number) < to; position++) {
    if (member[index.ids[position] as number] === 1) return true
  }
  return false
}

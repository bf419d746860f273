// Email addresses, URLs, IP and MAC addresses.
import { contextWords } from './context-words'
import type { CandidateMatcher, TriggerMatcher } from './matcher'
import { emit, isAlnumCode, isDigitCode, nearWord } from './scan-state'

function isLocalCode(code: number): boolean {
  // letters, digits and . _ % + - (RFC 5322 dot-atom, the usual subset)
  return isAlnumCode(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45
}

function isHostCode(code: number): boolean {
  return isAlnumCode(code) || code === 45 || code === 46
}

/** The end of a DNS name starting at `from` with a letter TLD, or -1. */
function hostEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && end - from < 253 && isHostCode(text.charCodeAt(end))) end++
  while (end > from && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--
  let lastDot = end - 1
  while (lastDot > from && text.charCodeAt(lastDot) !== 46) lastDot--
  if (lastDot <= from || end - lastDot - 1 < 2) return -1
  for (let index = lastDot + 1; index < end; index++) {
    const code = text.charCodeAt(index) | 32
    if (code < 97 || code > 122) return -1
  }
  if (text.charCodeAt(from) === 45 || text.charCodeAt(from) === 46) return -1
  return end
}

const email: TriggerMatcher = {
  kinds: ['email'],
  triggers: ['@'],
  wordStart: false,
  match(state, index) {
    const text = state.text
    let start = index
    // the local part may not reach back into an earlier finding (later ones, from the first pass, do not count)
    let floor = 0
    for (let position = state.findings.length - 1; position >= 0; position--) {
      const finding = state.findings[position] as { start: number; end: number }
      if (finding.start < index) {
        floor = finding.end
        break
      }
    }
    while (start > floor && index - start < 64 && isLocalCode(text.charCodeAt(start - 1))) start--
    while (start < index && (text.charCodeAt(start) === 46 || text.charCodeAt(start) === 45)) start++
    if (start === index || text.charCodeAt(index - 1) === 46) return -1
    const end = hostEnd(text, index + 1)
    if (end < 0) return -1
    return emit(state, 'email', start, end, 0.95)
  },
}

// `)` is never trailing: an unbalanced one already ended the URL
const TRAILING = new Set([46, 44, 59, 58, 33, 63, 39, 34, 93, 125, 62])

function urlEnd(text: string, from: number): number {
  let end = from
  let parens = 0
  while (end < text.length && end - from < 2048) {
    const code = text.charCodeAt(end)
    if (code <= 32 || code === 60 || code === 62 || code === 34 || code === 96 || code === 0x7f) break
    if (code === 40) parens++
    else if (code === 41) {
      if (parens === 0) break
      parens--
    }
    end++
  }
  while (end > from && TRAILING.has(text.charCodeAt(end - 1))) end--
  return end
}

const url: TriggerMatcher = {
  kinds: ['url'],
  triggers: ['://', 'www.'],
  wordStart: false,
  match(state, index, trigger) {
    const text = state.text
    let start = index
    if (trigger === '://') {
      while (start > 0 && index - start < 12) {
        const code = text.charCodeAt(start - 1)
        if (!isAlnumCode(code) && code !== 43 && code !== 45 && code !== 46) break
        start--
      }
      if (index - start < 2 || isDigitCode(text.charCodeAt(start))) return -1
      if (
        hostEnd(text, index + 3) < 0 &&
        !isDigitCode(text.charCodeAt(index + 3)) &&
        text.charCodeAt(index + 3) !== 91
      ) {
        if (text.slice(start, index).toLowerCase() !== 'file') return -1
      }
      const end = urlEnd(text, index + 3)
      if (end <= index + 3) return -1
      return emit(state, 'url', start, end, 0.9)
    }
    if (start > 0 && (isAlnumCode(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === 46)) return -1
    if (hostEnd(text, index + 4) < 0) return -1
    return emit(state, 'url', start, urlEnd(text, index + 4), 0.85)
  },
}

// Top-level domains for URLs written without a scheme (`microsoft.com`, `google.co.il`): generic
// ones and a few common country codes; codes that are also file extensions or short words
// (`.pl`, `.py`, `.sh`, `.md`, `.in`, `.it`, `.at`, `.be`, `.me`, `.no`, `.to`) are left out.
export const BARE_DOMAIN_TLDS: readonly string[] = [
  'com',
  'net',
  'org',
  'edu',
  'gov',
  'mil',
  'int',
  'io',
  'ai',
  'app',
  'dev',
  'co',
  'info',
  'biz',
  'tv',
  'uk',
  'de',
  'fr',
  'es',
  'nl',
  'eu',
  'ca',
  'au',
  'jp',
  'cn',
  'ru',
  'br',
  'ch',
  'se',
  'fi',
  'dk',
  'il',
  'ie',
  'nz',
  'za',
  'sg',
  'kr',
  'mx',
  'ar',
  'site',
  'online',
  'tech',
  'store',
  'cloud',
  'xyz',
  'shop',
  'ly',
  'gg',
  'webcam',
]

/** `microsoft.com`, `docs.example.io/guide`: a host ending in a known TLD, without a scheme. */
const bareDomain: TriggerMatcher = {
  kinds: ['url'],
  triggers: ['.tld'],
  wordStart: false,
  match(state, index) {
    const text = state.text
    let start = index
    while (start > 0 && index - start < 253 && isHostCode(text.charCodeAt(start - 1))) start--
    while (start < index && (text.charCodeAt(start) === 46 || text.charCodeAt(start) === 45)) start++
    if (index - start < 2) return -1
    const previous = text.charCodeAt(start - 1)
    // part of an email, a path or a URL already seen, or a word glued to other symbols
    if (previous === 64 || previous === 47 || previous === 58 || previous === 95 || previous === 92) return -1
    let letters = false
    for (let position = start; position < index && !letters; position++) {
      const code = text.charCodeAt(position) | 32
      letters = code >= 97 && code <= 122
    }
    if (!letters) return -1
    const hostEnd_ = hostEnd(text, start)
    if (hostEnd_ < 0) return -1
    const end = text.charCodeAt(hostEnd_) === 47 ? urlEnd(text, hostEnd_) : hostEnd_
    return emit(state, 'url', start, end, 0.6)
  },
}

export const WEB_TRIGGERS: readonly TriggerMatcher[] = [email, url, bareDomain]

const VERSION_WORDS = contextWords([
  'version',
  'ver.',
  ' v.',
  'release',
  'build',
  'firmware',
  'sdk ',
  'node ',
  'python ',
  'chrome',
  'oid',
  'snmp',
  'section',
  'chapter',
  '§',
  'clause',
  'figure',
  'table',
  'step',
  'rule',
  'paragraph',
])
const IPV4 =
  /(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\/(?:3[0-2]|[12]?\d))?(?![\dA-Za-z]|\.\d)/y

const ipv4: CandidateMatcher = {
  kinds: ['ip_address'],
  leads: [0],
  runs: [1, 2, 3],
  priority: 5,
  match(state, start, _digitStart, run) {
    const text = state.text
    if (text.charCodeAt(start + run) !== 46) return -1
    if (start >= 2 && text.charCodeAt(start - 1) === 46 && isDigitCode(text.charCodeAt(start - 2))) return -1
    IPV4.lastIndex = start
    if (!IPV4.test(text)) return -1
    const end = IPV4.lastIndex
    // a version string: `v1.2.3.4`, `version 10.0.0.1`
    if (start > 0 && (text.charCodeAt(start - 1) | 32) === 118) return -1
    if (nearWord(state, start, VERSION_WORDS, -1, 16)) return -1
    return emit(state, 'ip_address', start, end, 0.9)
  },
}

function isHexCode(code: number): boolean {
  return isDigitCode(code) || ((code | 32) >= 97 && (code | 32) <= 102)
}

const MAC =
  /[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?![0-9A-Za-z]|[:-][0-9A-Fa-f])|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![0-9A-Za-z.])/y

/** Parses an IPv6 address (with `::`, an embedded IPv4 tail and a `%zone`). Returns its length or -1. */
function ipv6Length(text: string, start: number): number {
  let index = start
  let groups = 0
  let doubleColon = false
  let lastEnd = start
  while (index < text.length && groups < 8) {
    if (text.charCodeAt(index) === 58 && text.charCodeAt(index + 1) === 58) {
      if (doubleColon) break
      doubleColon = true
      index += 2
      lastEnd = index
      continue
    }
    let hex = 0
    while (hex < 5 && isHexCode(text.charCodeAt(index + hex))) hex++
    if (hex === 0 || hex > 4) {
      // an IPv4 tail such as ::ffff:192.0.2.1
      if (hex > 0 && hex <= 3) break
      break
    }
    if (text.charCodeAt(index + hex) === 46 && groups <= 6) {
      IPV4.lastIndex = index
      if (IPV4.test(text)) {
        groups += 2
        lastEnd = IPV4.lastIndex
        index = lastEnd
      }
      break
    }
    groups++
    index += hex
    lastEnd = index
    if (text.charCodeAt(index) === 58 && text.charCodeAt(index + 1) !== 58) {
      if (!isHexCode(text.charCodeAt(index + 1))) break
      index++
    }
  }
  if (groups < (doubleColon ? 1 : 8) || (doubleColon && groups > 7)) {
    if (!(doubleColon && groups === 0 && lastEnd - start === 2)) return -1
  }
  let colons = 0
  for (let position = start; position < lastEnd; position++) if (text.charCodeAt(position) === 58) colons++
  if (colons < 2) return -1
  if (isAlnumCode(text.charCodeAt(lastEnd)) || text.charCodeAt(lastEnd) === 58) return -1
  if (text.charCodeAt(lastEnd) === 37) {
    let zone = lastEnd + 1
    while (zone < text.length && isAlnumCode(text.charCodeAt(zone))) zone++
    if (zone > lastEnd + 1) lastEnd = zone
  }
  // a prefix length: 2001:db8::/32
  if (text.charCodeAt(lastEnd) === 47) {
    let digits = lastEnd + 1
    while (digits < lastEnd + 4 && isDigitCode(text.charCodeAt(digits))) digits++
    const prefix = Number(text.slice(lastEnd + 1, digits))
    if (digits > lastEnd + 1 && prefix <= 128 && !isAlnumCode(text.charCodeAt(digits))) lastEnd = digits
  }
  return lastEnd - start
}

const TIME_WORDS = contextWords(['time', 'at ', 'clock', 'duration', 'timestamp'])

const hexColon: CandidateMatcher = {
  kinds: ['mac_address', 'ip_address'],
  leads: [0, 1, 2, 3, 4],
  runs: [1, 2, 3, 4],
  priority: 4,
  match(state, candidate, digitStart, run) {
    const text = state.text
    const next = text.charCodeAt(digitStart + run)
    // a MAC or IPv6 group goes on with `:`, `-`, `.` or a hex letter
    if (next !== 58 && next !== 45 && next !== 46 && !((next | 32) >= 97 && (next | 32) <= 102)) {
      if (digitStart === candidate || text.charCodeAt(candidate - 1) !== 58) return -1
    }
    // the value may begin with hex letters or `::` before the digit that started the candidate
    let start = candidate
    while (start > 0 && candidate - start < 40) {
      const code = text.charCodeAt(start - 1)
      if (!isHexCode(code) && code !== 58) break
      start--
    }
    while (start < candidate && text.charCodeAt(start) === 58 && text.charCodeAt(start + 1) !== 58) start++
    if (start > 0 && isAlnumCode(text.charCodeAt(start - 1))) return -1
    MAC.lastIndex = start
    if (MAC.test(text)) return emit(state, 'mac_address', start, MAC.lastIndex, 0.9)
    const length = ipv6Length(text, start)
    if (length < 0) return -1
    // 12:30:45 style times have no more than two colons and are not IPv6 anyway; guard short ones
    if (length < 6 && nearWord(state, start, TIME_WORDS, -1, 12)) return -1
    return emit(state, 'ip_address', start, start + length, 0.9)
  },
}

/** `::1` and `::ffff:…` start without a digit before the colons. */
export const LOOPBACK_IPV6: TriggerMatcher = {
  kinds: ['ip_address'],
  triggers: ['::'],
  wordStart: true,
  match(state, index) {
    const text = state.text
    if (index > 0 && (isAlnumCode(text.charCodeAt(index - 1)) || text.charCodeAt(index - 1) === 58)) return -1
    const length = ipv6Length(text, index)
    if (length < 3) return -1
    return emit(state, 'ip_address', index, index + length, 0.85)
  },
}

export const WEB_MATCHERS: readonly CandidateMatcher[] = [ipv4, hexColon]

// Payment cards, IBANs, US SSN/ITIN, crypto wallet addresses.
import { createHash } from 'node:crypto'
import { allSame, ibanMod97, luhn } from './checksums'
import { contextWords } from './context-words'
import { eip55Valid } from './keccak'
import { type CandidateMatcher, range } from './matcher'
import { boundaryAt, digitsIn, emit, isAlnumCode, nearWord, type ScanState } from './scan-state'

/** Whether a card number's leading digits and length belong to a card scheme. */
function cardScheme(digits: string): boolean {
  const length = digits.length
  const two = Number(digits.slice(0, 2))
  const four = Number(digits.slice(0, 4))
  switch (digits.charCodeAt(0) - 48) {
    case 4:
      return length === 13 || length === 16 || length === 19
    case 5:
      if (two >= 51 && two <= 55) return length === 16
      return length >= 12 && length <= 19 // Maestro 50, 56–59
    case 2:
      if (four >= 2221 && four <= 2720) return length === 16
      return four >= 2200 && four <= 2204 && length >= 16 // Mir
    case 3:
      if (two === 34 || two === 37) return length === 15
      if (four >= 3528 && four <= 3589) return length >= 16
      if (two === 36 || two === 38 || two === 39 || (four >= 3000 && four <= 3059)) return length >= 14
      return false
    case 6:
      return length >= 12 && length <= 19 // Discover, UnionPay, Maestro, RuPay
    case 8:
      return (two === 81 || two === 82) && length === 16 // RuPay
    case 1:
      return length === 15 // UATP (AirPlus)
    default:
      return false
  }
}

const CARD_GROUPS =
  /\d{4}([ -])\d{4}\1\d{4}\1\d{4}|\d{4}([ -])\d{6}\2\d{4,5}|\d{4}([ -])\d{4}\3\d{4}\3\d{1,3}/y
const CARD_EXTRA = /[ -]\d{1,3}(?![\dA-Za-z])/y
const CARD_PLAIN = /\d{12,19}(?![\dA-Za-z])/y
const NOT_CARD_WORDS = contextWords(['order', 'tracking', 'invoice', 'isbn', 'account no', 'ref'])

function cardAt(state: ScanState, start: number, end: number): number {
  const digits = digitsIn(state.text, start, end)
  if (!luhn(digits) || !cardScheme(digits) || allSame(digits)) return -1
  // an unseparated Luhn-valid number may be an order or tracking number; grouped ones are cards
  const grouped = end - start > digits.length
  let confidence = !grouped && nearWord(state, start, NOT_CARD_WORDS, -1, 24) ? 0.45 : 0.95
  // UATP numbers (15 digits from 1) share their shape with other ids, such as the French NIR
  if (digits.charCodeAt(0) === 49) confidence = Math.min(confidence, 0.6)
  return emit(state, 'credit_card', start, end, confidence)
}

const creditCard: CandidateMatcher = {
  kinds: ['credit_card'],
  leads: [0],
  runs: [4, ...range(12, 20)],
  priority: 9,
  match(state, start, _digitStart, run) {
    const text = state.text
    if (run === 4) {
      const separator = text.charCodeAt(start + 4)
      if (separator !== 32 && separator !== 45) return -1
      CARD_GROUPS.lastIndex = start
      if (!CARD_GROUPS.test(text)) return -1
      const end = CARD_GROUPS.lastIndex
      CARD_EXTRA.lastIndex = end
      if (CARD_EXTRA.test(text) && text.charCodeAt(end) === text.charCodeAt(start + 4)) {
        const longer = cardAt(state, start, CARD_EXTRA.lastIndex)
        if (longer > 0) return longer
      }
      if (!boundaryAt(text, end)) return -1
      return cardAt(state, start, end)
    }
    CARD_PLAIN.lastIndex = start
    if (!CARD_PLAIN.test(text)) return -1
    return cardAt(state, start, CARD_PLAIN.lastIndex)
  },
}

const SSN_WORDS = contextWords([
  'ssn',
  'social security',
  'social sec',
  'ss#',
  'ss #',
  'ss no',
  'taxpayer',
  'tin',
])
const ITIN_WORDS = contextWords(['itin', 'taxpayer', 'tax id', 'tin'])
const SSN_SEPARATED = /(\d{3})([- .])(\d{2})\2(\d{4})(?![\dA-Za-z]|[-.]\d)/y
const SSN_PLAIN = /(\d{3})(\d{2})(\d{4})(?![\dA-Za-z])/y

const usSsn: CandidateMatcher = {
  kinds: ['us_ssn', 'us_itin'],
  leads: [0],
  runs: [3, 9],
  priority: 8,
  match(state, start, _digitStart, run) {
    const text = state.text
    const next = text.charCodeAt(start + run)
    if (run === 3 ? next !== 45 && next !== 32 && next !== 46 : next >= 48 && next <= 57) return -1
    const pattern = run === 3 ? SSN_SEPARATED : SSN_PLAIN
    pattern.lastIndex = start
    const found = pattern.exec(text)
    if (found === null) return -1
    if (start > 0 && (text.charCodeAt(start - 1) === 45 || text.charCodeAt(start - 1) === 46)) return -1
    const area = Number(found[1])
    const group = Number(found[run === 3 ? 3 : 2])
    const serial = Number(found[run === 3 ? 4 : 3])
    const end = start + found[0].length
    if (group === 0 || serial === 0 || area === 0) return -1
    if (area >= 900) {
      // ITIN: 9XX-[50–65, 70–88, 90–92, 94–99]-XXXX
      if (
        !(
          (group >= 50 && group <= 65) ||
          (group >= 70 && group <= 88) ||
          (group >= 90 && group <= 92) ||
          group >= 94
        )
      )
        return -1
      const context = nearWord(state, start, ITIN_WORDS)
      return emit(state, 'us_itin', start, end, run === 3 ? (context ? 0.95 : 0.75) : context ? 0.85 : 0.3)
    }
    if (area === 666) return -1
    const digits = found[0]
    if (allSame(digitsIn(digits, 0, digits.length))) return -1
    const separator = run === 3 ? (found[2] as string) : ''
    const confidence = separator === '-' ? 0.85 : separator === '' ? 0.35 : 0.6
    // the dashed form is an SSN on its own; context only lifts the spaced and bare forms
    if (separator === '-') return emit(state, 'us_ssn', start, end, confidence)
    const context = nearWord(state, start, SSN_WORDS)
    return emit(state, 'us_ssn', start, end, context ? confidence + 0.3 : confidence)
  },
}

// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: Record<string, number> = {}
for (const entry of 'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 DZ26 AO25 BJ28 BF28 CM27 CV25 IR26 CI28 MG27 ML28 MZ25 SN28 CF27 CG27 GA27 GQ27 TD27 KM27 HN28 MA28'.split(
  ' ',
)) {
  IBAN_LENGTHS[entry.slice(0, 2)] = Number(entry.slice(2))
}

const iban: CandidateMatcher = {
  kinds: ['iban'],
  leads: [2],
  runs: range(2, 20),
  priority: 9,
  match(state, start) {
    const text = state.text
    const country = text.slice(start, start + 2).toUpperCase()
    const length = IBAN_LENGTHS[country]
    if (length === undefined) return -1
    let compact = country
    let index = start + 2
    let spaced = false
    while (compact.length < length && index < text.length) {
      let code = text.charCodeAt(index)
      if ((code === 32 || code === 45) && compact.length % 4 === 0 && index + 1 < text.length) {
        spaced = true
        index++
        code = text.charCodeAt(index)
      }
      if (!isAlnumCode(code)) return -1
      compact += text[index]?.toUpperCase()
      index++
    }
    if (compact.length !== length || !boundaryAt(text, index)) return -1
    if (!ibanMod97(compact)) return -1
    return emit(state, 'iban', start, index, spaced || compact === text.slice(start, index) ? 0.95 : 0.9)
  },
}

// Crypto wallets: Bitcoin base58check (P2PKH/P2SH), bech32/bech32m (bc1…), Ethereum 0x + 40 hex.
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const WALLET_WORDS = contextWords([
  'wallet',
  'eth',
  'ethereum',
  'ether',
  'address',
  'send',
  'crypto',
  'donation',
  'donations',
  'pay',
  'usdt',
  'usdc',
  'metamask',
  'erc20',
])
const BTC_BASE58 = /[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![0-9A-Za-z])/y
const ETH = /0x[0-9a-fA-F]{40}(?![0-9A-Za-z])/y
const BECH32 = /(?:bc1|BC1|tb1|ltc1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87}(?![0-9A-Za-z])/y
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'

const base58Checked = new Map<string, boolean>()

/** Base58check with a small cache (two SHA-256 per address). */
function base58Check(value: string): boolean {
  const known = base58Checked.get(value)
  if (known !== undefined) return known
  if (base58Checked.size >= 1024) base58Checked.clear()
  const valid = base58Verify(value)
  base58Checked.set(value, valid)
  return valid
}

function base58Verify(value: string): boolean {
  const bytes: number[] = [0]
  for (let index = 0; index < value.length; index++) {
    let carry = BASE58.indexOf(value[index] as string)
    if (carry < 0) return false
    for (let position = 0; position < bytes.length; position++) {
      carry += (bytes[position] as number) * 58
      bytes[position] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) {
      bytes.push(carry & 0xff)
      carry >>= 8
    }
  }
  for (let index = 0; index < value.length && value[index] === '1'; index++) bytes.push(0)
  bytes.reverse()
  if (bytes.length !== 25) return false
  const payload = Buffer.from(bytes.slice(0, 21))
  const once = createHash('sha256').update(payload).digest()
  const twice = createHash('sha256').update(once).digest()
  for (let index = 0; index < 4; index++) if (twice[index] !== bytes[21 + index]) return false
  return true
}

function bech32Check(value: string): boolean {
  const lower = value.toLowerCase()
  if (lower !== value && value.toUpperCase() !== value) return false
  const separator = lower.lastIndexOf('1')
  const prefix = lower.slice(0, separator)
  const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
  let checksum = 1
  const step = (value5: number): void => {
    const top = checksum >>> 25
    checksum = ((checksum & 0x1ffffff) << 5) ^ value5
    for (let bit = 0; bit < 5; bit++) if ((top >>> bit) & 1) checksum ^= GENERATORS[bit] as number
  }
  for (let index = 0; index < prefix.length; index++) step(prefix.charCodeAt(index) >>> 5)
  step(0)
  for (let index = 0; index < prefix.length; index++) step(prefix.charCodeAt(index) & 31)
  for (let index = separator + 1; index < lower.length; index++) {
    const digit = BECH32_CHARSET.indexOf(lower[index] as string)
    if (digit < 0) return false
    step(digit)
  }
  return checksum === 1 || checksum === 0x2bc830a3
}

const cryptoWallet: CandidateMatcher = {
  kinds: ['crypto_wallet'],
  leads: [0, 2, 3],
  runs: [1],
  priority: 7,
  match(state, start) {
    const text = state.text
    const first = text.charCodeAt(start)
    if (first === 48 && (text.charCodeAt(start + 1) | 32) !== 120) return -1
    if (
      first !== 48 &&
      first !== 49 &&
      first !== 51 &&
      (first | 32) !== 98 &&
      (first | 32) !== 116 &&
      (first | 32) !== 108
    )
      return -1
    if (first === 48) {
      ETH.lastIndex = start
      if (!ETH.test(text)) return -1
      const address = text.slice(start, ETH.lastIndex)
      const hex = address.slice(2)
      // mixed case carries an EIP-55 checksum; one case carries none, so it needs a wallet word
      if (hex !== hex.toLowerCase() && hex !== hex.toUpperCase()) {
        return eip55Valid(address) ? emit(state, 'crypto_wallet', start, ETH.lastIndex, 0.95) : -1
      }
      return emit(
        state,
        'crypto_wallet',
        start,
        ETH.lastIndex,
        nearWord(state, start, WALLET_WORDS) ? 0.85 : 0.45,
      )
    }
    if (first === 49 || first === 51) {
      BTC_BASE58.lastIndex = start
      if (!BTC_BASE58.test(text) || !base58Check(text.slice(start, BTC_BASE58.lastIndex))) return -1
      return emit(state, 'crypto_wallet', start, BTC_BASE58.lastIndex, 0.95)
    }
    BECH32.lastIndex = start
    if (!BECH32.test(text) || !bech32Check(text.slice(start, BECH32.lastIndex))) return -1
    return emit(state, 'crypto_wallet', start, BECH32.lastIndex, 0.95)
  },
}

export const FINANCE_MATCHERS: readonly CandidateMatcher[] = [creditCard, usSsn, iban, cryptoWallet]

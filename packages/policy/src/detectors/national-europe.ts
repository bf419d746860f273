// Germany, France, Italy, Spain, the Netherlands, Poland, Sweden, Finland and the UK.
import { iso7064Mod11x10, isValidDate, luhn, modDecimal, weightedSum } from './checksums'
import { charValue, type IdFormat } from './id-format'
import { range } from './matcher'

const digitAt = (value: string, index: number): number => value.charCodeAt(index) - 48

/** German tax id: ISO 7064 MOD 11,10, and in the first ten digits one digit twice or three times. */
function germanTaxId(value: string): boolean {
  if (value.charCodeAt(0) === 48 || !iso7064Mod11x10(value)) return false
  const counts = new Array<number>(10).fill(0)
  for (let index = 0; index < 10; index++)
    counts[digitAt(value, index)] = (counts[digitAt(value, index)] as number) + 1
  const repeated = counts.filter((count) => count >= 2)
  return repeated.length === 1 && (repeated[0] as number) <= 3
}

/** ICAO 9303 7-3-1 check over letters and digits, check character last. */
function icao731(value: string): boolean {
  const weights = [7, 3, 1]
  let sum = 0
  for (let index = 0; index < value.length - 1; index++)
    sum += charValue(value.charCodeAt(index)) * (weights[index % 3] as number)
  return sum % 10 === digitAt(value, value.length - 1)
}

/** German health insurance number (KVNR): letter + 8 digits + check digit. */
function germanKvnr(value: string): boolean {
  const letter = value.charCodeAt(0) - 64
  const digits = `${letter < 10 ? '0' : ''}${letter}${value.slice(1, 9)}`
  let sum = 0
  for (let index = 0; index < 10; index++) {
    let product = digitAt(digits, index) * (index % 2 === 0 ? 1 : 2)
    if (product > 9) product -= 9
    sum += product
  }
  return sum % 10 === digitAt(value, 9)
}

/** German pension insurance number (RVNR): 2 area + 6 birth date + letter + 2 serial + check. */
function germanRvnr(value: string): boolean {
  const day = Number(value.slice(2, 4))
  const month = Number(value.slice(4, 6))
  if (month < 1 || month > 12 || day < 1 || day > 31) return false
  const letter = value.charCodeAt(8) - 64
  const digits = `${value.slice(0, 8)}${letter < 10 ? '0' : ''}${letter}${value.slice(9, 11)}`
  const weights = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1]
  let sum = 0
  for (let index = 0; index < 12; index++) {
    const product = digitAt(digits, index) * (weights[index] as number)
    sum += Math.floor(product / 10) + (product % 10)
  }
  return sum % 10 === digitAt(value, 11)
}

/** French NIR (INSEE): key = 97 − (first 13 digits mod 97); Corsica 2A/2B count as 19/18. */
function frenchNir(value: string): boolean {
  const month = Number(value.slice(3, 5))
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false
  const body = value.slice(0, 13).replace('2A', '19').replace('2B', '18')
  if (!/^\d{13}$/.test(body)) return false
  return 97 - modDecimal(body, 97) === Number(value.slice(13, 15))
}

/** French tax number (SPI): the last three digits are the first ten mod 511. */
function frenchSpi(value: string): boolean {
  return value.charCodeAt(0) <= 51 && modDecimal(value.slice(0, 10), 511) === Number(value.slice(10))
}

const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]

/** Italian codice fiscale check character. */
function italianFiscalCode(value: string): boolean {
  let sum = 0
  for (let index = 0; index < 15; index++) {
    const code = value.charCodeAt(index)
    const position = code >= 65 ? code - 65 : code - 48
    sum += index % 2 === 0 ? (CF_ODD[position] as number) : position
  }
  return String.fromCharCode(65 + (sum % 26)) === value[15]
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

function spanishDni(value: string): boolean {
  return DNI_LETTERS[Number(value.slice(0, -1)) % 23] === value[value.length - 1]
}

function spanishNie(value: string): boolean {
  return DNI_LETTERS[Number(`${'XYZ'.indexOf(value[0] as string)}${value.slice(1, 8)}`) % 23] === value[8]
}

/** Spanish social security number: the last two digits are the first ten mod 97. */
function spanishNss(value: string): boolean {
  return modDecimal(value.slice(0, 10), 97) === Number(value.slice(10))
}

/** Dutch BSN 11-proef: 9×d1 + … + 2×d8 − d9 ≡ 0 (mod 11). */
function dutchBsn(value: string): boolean {
  const sum = weightedSum(value, [9, 8, 7, 6, 5, 4, 3, 2]) - digitAt(value, 8)
  return sum % 11 === 0 && sum !== 0
}

function pesel(value: string): boolean {
  const sum = weightedSum(value, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3])
  if ((10 - (sum % 10)) % 10 !== digitAt(value, 10)) return false
  let month = Number(value.slice(2, 4))
  let century = 1900
  if (month > 80) [month, century] = [month - 80, 1800]
  else if (month > 60) [month, century] = [month - 60, 2200]
  else if (month > 40) [month, century] = [month - 40, 2100]
  else if (month > 20) [month, century] = [month - 20, 2000]
  return isValidDate(century + Number(value.slice(0, 2)), month, Number(value.slice(4, 6)))
}

function polishNip(value: string): boolean {
  const check = weightedSum(value, [6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11
  return check !== 10 && check === digitAt(value, 9)
}

function polishIdCard(value: string): boolean {
  const weights = [7, 3, 1, 0, 7, 3, 1, 7, 3]
  let sum = 0
  for (let index = 0; index < 9; index++)
    sum += charValue(value.charCodeAt(index)) * (weights[index] as number)
  return sum % 10 === digitAt(value, 3)
}

/** Swedish personnummer: a real date (day + 60 for coordination numbers) and Luhn over 10 digits. */
function swedishPersonnummer(value: string): boolean {
  const ten = value.length === 12 ? value.slice(2) : value
  const day = Number(ten.slice(4, 6))
  if (!isValidDate(2000, Number(ten.slice(2, 4)), day > 60 ? day - 60 : day)) return false
  return luhn(ten)
}

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY'

function finnishHetu(value: string): boolean {
  if (!isValidDate(2000, Number(value.slice(2, 4)), Number(value.slice(0, 2)))) return false
  // the century sign is dropped from the compact value when it is `-` or `+`
  const serial = value.length === 10 ? value.slice(6, 9) : value.slice(7, 10)
  return HETU_CHECK[Number(value.slice(0, 6) + serial) % 31] === value[value.length - 1]
}

function nhsNumber(value: string): boolean {
  const remainder = weightedSum(value, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11
  const check = remainder === 0 ? 0 : 11 - remainder
  return check !== 10 && check === digitAt(value, 9) && value !== '0000000000'
}

/** Could be a North American number: area and exchange both start with 2–9. */
function nanpShaped(value: string): boolean {
  return value.charCodeAt(0) >= 50 && value.charCodeAt(3) >= 50
}

const NINO_BAD_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'])

function ukDrivingLicence(value: string): boolean {
  const month = digitAt(value, 6) % 5
  const monthNumber = month * 10 + digitAt(value, 7)
  return isValidDate(2000, monthNumber, Number(value.slice(8, 10)))
}

const PASSPORT_WORDS = [
  'passport',
  'reisepass',
  'passeport',
  'passaporto',
  'pasaporte',
  'paszport',
  'passnummer',
  'pass-nr',
  'pass no',
]
const UK_WORDS = ['uk ', 'u.k.', 'british', 'united kingdom', 'hm passport', 'england', 'gb ']

export const EUROPE_FORMATS: readonly IdFormat[] = [
  // Germany
  {
    kind: 'de_tax_id',
    leads: [0],
    runs: [2, 11],
    pattern: '\\d{2} ?\\d{3} ?\\d{3} ?\\d{3}',
    check: germanTaxId,
    confidence: 0.45,
    words: ['steuer', 'idnr', 'identifikationsnummer', 'tax id', 'tin', 'steuerliche'],
    withContext: 0.92,
  },
  {
    kind: 'de_id_card',
    alsoKinds: ['de_passport'],
    leads: [1, 2, 3, 4],
    runs: range(1, 9),
    pattern: '[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\\d',
    check: (value) => icao731(value) && /\d/.test(value.slice(1, 9)),
    confidence: 0.55,
    words: ['personalausweis', 'ausweis', 'id card', 'identity card', ...PASSPORT_WORDS],
    withContext: 0.95,
    kindFor: (state, start) =>
      state.text
        .slice(Math.max(0, start - 48), start)
        .toLowerCase()
        .includes('pass')
        ? 'de_passport'
        : 'de_id_card',
  },
  {
    kind: 'de_passport',
    alsoKinds: ['de_id_card'],
    leads: [1, 2, 3, 4],
    runs: range(1, 8),
    pattern: '[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}',
    check: (value) => /\d/.test(value),
    confidence: 0.1,
    words: ['personalausweis', 'ausweis', ...PASSPORT_WORDS],
    withContext: 0.85,
    kindFor: (state, start) =>
      state.text
        .slice(Math.max(0, start - 48), start)
        .toLowerCase()
        .includes('ausweis')
        ? 'de_id_card'
        : 'de_passport',
  },
  {
    kind: 'de_health_insurance',
    leads: [1],
    runs: [9],
    pattern: '[A-Z]\\d{9}',
    check: germanKvnr,
    confidence: 0.45,
    words: [
      'krankenversicherung',
      'versichertennummer',
      'kvnr',
      'health insurance',
      'krankenkasse',
      'insurance',
    ],
    withContext: 0.95,
  },
  {
    kind: 'de_social_security',
    leads: [0],
    runs: [2, 8],
    pattern: '\\d{2} ?\\d{6} ?[A-Z] ?\\d{2} ?\\d',
    check: germanRvnr,
    confidence: 0.75,
    words: [
      'rentenversicherung',
      'sozialversicherung',
      'rvnr',
      'svnr',
      'social security',
      'versicherungsnummer',
    ],
    withContext: 0.97,
  },
  // France
  {
    kind: 'fr_nir',
    leads: [0],
    runs: [1, 13, 15],
    pattern: '[1-478] ?\\d{2} ?\\d{2} ?(?:\\d{2}|2[ABab]) ?\\d{3} ?\\d{3} ?\\d{2}',
    check: frenchNir,
    confidence: 0.85,
    words: [
      'sécurité sociale',
      'securite sociale',
      'nir',
      'insee',
      'sécu',
      'social security',
      'carte vitale',
    ],
    withContext: 0.97,
  },
  {
    kind: 'fr_tax_id',
    leads: [0],
    runs: [2, 13],
    pattern: '[0-3]\\d ?\\d{2} ?\\d{3} ?\\d{3} ?\\d{3}',
    check: frenchSpi,
    confidence: 0.45,
    words: ['fiscal', 'spi', 'impôt', 'impot', 'tax id', 'numéro fiscal'],
    withContext: 0.92,
  },
  {
    kind: 'fr_passport',
    leads: [0],
    runs: [2],
    pattern: '\\d{2}[A-Z]{2}\\d{5}',
    confidence: 0.35,
    words: PASSPORT_WORDS,
    withContext: 0.88,
  },
  {
    kind: 'fr_id_card',
    leads: [0],
    runs: [12],
    pattern: '\\d{12}',
    confidence: 0.1,
    words: ["carte d'identité", 'carte nationale', 'cni', "carte d'identite"],
    withContext: 0.85,
  },
  // Italy
  {
    kind: 'it_fiscal_code',
    leads: [6],
    runs: [1, 2],
    pattern: '[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]',
    ignoreCase: true,
    check: italianFiscalCode,
    confidence: 0.95,
    words: ['codice fiscale', 'fiscal code', 'cf'],
    withContext: 0.99,
  },
  {
    kind: 'it_vat',
    leads: [0],
    runs: [11],
    pattern: '\\d{11}',
    check: (value) => luhn(value) && value.slice(0, 7) !== '0000000',
    confidence: 0.3,
    words: ['partita iva', 'p.iva', 'p. iva', 'piva', 'vat', 'iva'],
    withContext: 0.9,
  },
  {
    kind: 'it_passport',
    leads: [2],
    runs: [7],
    pattern: '[A-Z]{2}\\d{7}',
    confidence: 0.3,
    words: PASSPORT_WORDS,
    withContext: 0.88,
  },
  {
    kind: 'it_identity_card',
    leads: [2],
    runs: [5],
    pattern: '[A-Z]{2}\\d{5}[A-Z]{2}',
    confidence: 0.45,
    words: ["carta d'identità", "carta d'identita", 'cie', 'identity card', 'documento'],
    withContext: 0.9,
  },
  // Spain
  {
    kind: 'es_dni',
    leads: [0],
    runs: [7, 8],
    pattern: '\\d{7,8}[- ]?[A-Z]',
    ignoreCase: true,
    check: spanishDni,
    confidence: 0.9,
    words: ['dni', 'nif', 'documento nacional'],
    withContext: 0.98,
  },
  {
    kind: 'es_nie',
    leads: [1],
    runs: [7],
    pattern: '[XYZ][- ]?\\d{7}[- ]?[A-Z]',
    ignoreCase: true,
    check: spanishNie,
    confidence: 0.9,
    words: ['nie', 'extranjero'],
    withContext: 0.98,
  },
  {
    kind: 'es_nie',
    leads: [0],
    runs: [7],
    backtrack: 2,
    pattern: '[XYZ][- ]?\\d{7}[- ]?[A-Z]',
    ignoreCase: true,
    check: spanishNie,
    confidence: 0.9,
    words: ['nie', 'extranjero'],
    withContext: 0.98,
  },
  {
    kind: 'es_nss',
    leads: [0],
    runs: [2, 12],
    pattern: '\\d{2}[ /-]?\\d{8}[ /-]?\\d{2}',
    check: spanishNss,
    confidence: 0.4,
    words: ['seguridad social', 'nss', 'afiliación', 'afiliacion', 'social security'],
    withContext: 0.92,
  },
  // Netherlands
  {
    kind: 'nl_bsn',
    leads: [0],
    runs: [4, 9],
    pattern: '\\d{9}|\\d{4}\\.\\d{2}\\.\\d{3}',
    check: dutchBsn,
    confidence: 0.4,
    words: ['bsn', 'burgerservicenummer', 'sofinummer', 'sofi', 'citizen service'],
    withContext: 0.93,
  },
  // Poland
  {
    kind: 'pl_pesel',
    leads: [0],
    runs: [11],
    pattern: '\\d{11}',
    check: pesel,
    confidence: 0.55,
    words: ['pesel'],
    withContext: 0.97,
  },
  {
    kind: 'pl_nip',
    leads: [0],
    runs: [3, 10],
    pattern: '\\d{3}-\\d{3}-\\d{2}-\\d{2}|\\d{3}-\\d{2}-\\d{2}-\\d{3}|\\d{10}',
    check: polishNip,
    confidence: 0.4,
    words: ['nip', 'tax id', 'vat', 'numer identyfikacji'],
    withContext: 0.92,
  },
  {
    kind: 'pl_id_card',
    leads: [3],
    runs: [6],
    pattern: '[A-Z]{3} ?\\d{6}',
    check: polishIdCard,
    confidence: 0.6,
    words: ['dowód', 'dowod', 'id card', 'identity card'],
    withContext: 0.95,
  },
  // Sweden
  {
    kind: 'se_personnummer',
    leads: [0],
    runs: [6, 8],
    pattern: '(?:19|20)?\\d{6}[-+]\\d{4}',
    check: swedishPersonnummer,
    confidence: 0.8,
    words: ['personnummer', 'personal identity', 'samordningsnummer', 'swedish'],
    withContext: 0.97,
  },
  {
    kind: 'se_personnummer',
    leads: [0],
    runs: [10, 12],
    pattern: '(?:19|20)?\\d{10}',
    check: swedishPersonnummer,
    confidence: 0.4,
    words: ['personnummer', 'personal identity', 'samordningsnummer'],
    withContext: 0.93,
  },
  // Finland
  {
    kind: 'fi_hetu',
    leads: [0],
    runs: [6],
    pattern: '\\d{6}[-+A-FU-Y]\\d{3}[0-9A-Y]',
    check: finnishHetu,
    confidence: 0.9,
    words: ['henkilötunnus', 'hetu', 'personal identity code', 'sosiaaliturvatunnus'],
    withContext: 0.98,
  },
  // United Kingdom
  {
    kind: 'uk_nhs_number',
    leads: [0],
    runs: [3, 10],
    pattern: '\\d{3}[ -]\\d{3}[ -]\\d{4}|\\d{10}',
    // shaped like a North American phone number: needs an NHS word
    check: (value) => nhsNumber(value) && nanpShaped(value),
    confidence: 0.45,
    words: ['nhs', 'health service', 'chi number', 'patient'],
    withContext: 0.95,
  },
  {
    kind: 'uk_nhs_number',
    leads: [0],
    runs: [3, 10],
    pattern: '\\d{3}[ -]\\d{3}[ -]\\d{4}|\\d{10}',
    // not a possible North American number: the check digit is enough
    check: (value) => nhsNumber(value) && !nanpShaped(value),
    confidence: 0.7,
    words: ['nhs', 'health service', 'chi number', 'patient'],
    withContext: 0.97,
  },
  {
    kind: 'uk_nino',
    leads: [2],
    runs: [2, 6],
    pattern: '(?:QQ|[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]',
    ignoreCase: true,
    check: (value) => !NINO_BAD_PREFIXES.has(value.slice(0, 2)),
    confidence: 0.85,
    words: ['national insurance', 'nino', 'ni number', 'ni no'],
    withContext: 0.97,
  },
  {
    kind: 'uk_nino',
    leads: [0],
    runs: [2, 6],
    backtrack: 3,
    pattern: '(?:QQ|[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]',
    ignoreCase: true,
    check: (value) => !NINO_BAD_PREFIXES.has(value.slice(0, 2)),
    confidence: 0.85,
    words: ['national insurance', 'nino', 'ni number', 'ni no'],
    withContext: 0.97,
  },
  {
    kind: 'uk_driving_licence',
    leads: [1, 2, 3, 4, 5],
    runs: range(1, 6),
    pattern: '[A-Z][A-Z9]{4}\\d{6}[A-Z9]{2}\\d[A-Z]{2}(?: ?\\d{2})?',
    check: ukDrivingLicence,
    confidence: 0.85,
    words: ['driving licence', 'driving license', 'dvla', 'licence number'],
    withContext: 0.97,
  },
  {
    kind: 'uk_postcode',
    leads: [1, 2],
    runs: [1, 2],
    pattern: '(?:[A-PR-UWYZ][A-HK-Y]?\\d[A-Z\\d]?) ?\\d[ABD-HJLNP-UW-Z]{2}',
    confidence: 0.55,
    words: [
      'postcode',
      'post code',
      'address',
      'london',
      'street',
      'road',
      'lane',
      'uk',
      'united kingdom',
      'england',
      'scotland',
      'wales',
      'lives',
    ],
    withContext: 0.9,
    priority: 2,
  },
  {
    kind: 'uk_vehicle_registration',
    leads: [2],
    runs: [2],
    pattern: '[A-HJ-PR-Y][A-HJ-PR-Y]\\d{2} ?[A-HJ-PR-Z]{3}',
    confidence: 0.3,
    words: [
      'registration',
      'reg ',
      'reg.',
      'number plate',
      'numberplate',
      'vehicle',
      'car ',
      'plate',
      'vrm',
      'reg no',
    ],
    withContext: 0.88,
  },
  {
    kind: 'uk_passport',
    alsoKinds: ['us_passport'],
    leads: [0],
    runs: [9],
    pattern: '\\d{9}',
    confidence: 0.1,
    words: PASSPORT_WORDS,
    withContext: 0.85,
    kindFor: (state, start) => {
      const before = state.text.slice(Math.max(0, start - 64), start).toLowerCase()
      return UK_WORDS.some((word) => before.includes(word)) ? 'uk_passport' : 'us_passport'
    },
  },
]

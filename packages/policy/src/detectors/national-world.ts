// The US, Canada, India, Australia, Singapore, South Korea, Turkey, South Africa, Nigeria, the
// Philippines, Thailand and Brazil.
import { isValidDate, luhn, verhoeff, weightedSum } from './checksums'
import type { IdFormat } from './id-format'
import { range } from './matcher'

const digitAt = (value: string, index: number): number => value.charCodeAt(index) - 48

function abaRouting(value: string): boolean {
  const prefix = Number(value.slice(0, 2))
  const validPrefix =
    prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80
  return validPrefix && weightedSum(value, [3, 7, 1, 3, 7, 1, 3, 7, 1]) % 10 === 0 && value !== '000000000'
}

const npi = (value: string): boolean => (value[0] === '1' || value[0] === '2') && luhn(`80840${value}`)

function canadianSin(value: string): boolean {
  return value[0] !== '8' && luhn(value)
}

function aadhaar(value: string): boolean {
  return value.charCodeAt(0) >= 50 && verhoeff(value) && !/^(\d)\1+$/.test(value)
}

const GSTIN_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function gstin(value: string): boolean {
  const state = Number(value.slice(0, 2))
  if (!((state >= 1 && state <= 38) || state === 97 || state === 99)) return false
  let sum = 0
  for (let index = 0; index < 14; index++) {
    const product = GSTIN_CHARS.indexOf(value[index] as string) * (index % 2 === 0 ? 1 : 2)
    sum += Math.floor(product / 36) + (product % 36)
  }
  return GSTIN_CHARS[(36 - (sum % 36)) % 36] === value[14]
}

function australianTfn(value: string): boolean {
  const weights = value.length === 9 ? [1, 4, 3, 7, 5, 8, 6, 9, 10] : [10, 7, 8, 4, 6, 3, 5, 1]
  return weightedSum(value, weights) % 11 === 0
}

function australianMedicare(value: string): boolean {
  const first = digitAt(value, 0)
  return first >= 2 && first <= 6 && weightedSum(value, [1, 3, 7, 9, 1, 3, 7, 9]) % 10 === digitAt(value, 8)
}

function australianAbn(value: string): boolean {
  const weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
  let sum = (digitAt(value, 0) - 1) * 10
  for (let index = 1; index < 11; index++) sum += digitAt(value, index) * (weights[index] as number)
  return value[0] !== '0' && sum % 89 === 0
}

function singaporeNric(value: string): boolean {
  const prefix = value[0] as string
  let sum = weightedSum(value, [2, 7, 6, 5, 4, 3, 2], 1)
  if (prefix === 'T' || prefix === 'G') sum += 4
  if (prefix === 'M') sum += 3
  const remainder = sum % 11
  const letters =
    prefix === 'S' || prefix === 'T' ? 'JZIHGFEDCBA' : prefix === 'M' ? 'KLJNPQRTUWX' : 'XWUTRQPNMLK'
  return (prefix === 'M' ? letters[10 - remainder] : letters[remainder]) === value[8]
}

function koreanRrnDate(value: string): boolean {
  const gender = digitAt(value, 6)
  const century =
    gender <= 2 || gender === 5 || gender === 6
      ? 1900
      : gender <= 4 || gender === 7 || gender === 8
        ? 2000
        : 1800
  return (
    gender >= 1 &&
    gender <= 8 &&
    isValidDate(century + Number(value.slice(0, 2)), Number(value.slice(2, 4)), Number(value.slice(4, 6)))
  )
}

function koreanRrnChecksum(value: string): boolean {
  const sum = weightedSum(value, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])
  return (11 - (sum % 11)) % 10 === digitAt(value, 12)
}

function turkishId(value: string): boolean {
  if (value[0] === '0') return false
  const odd =
    digitAt(value, 0) + digitAt(value, 2) + digitAt(value, 4) + digitAt(value, 6) + digitAt(value, 8)
  const even = digitAt(value, 1) + digitAt(value, 3) + digitAt(value, 5) + digitAt(value, 7)
  if ((((odd * 7 - even) % 10) + 10) % 10 !== digitAt(value, 9)) return false
  let sum = 0
  for (let index = 0; index < 10; index++) sum += digitAt(value, index)
  return sum % 10 === digitAt(value, 10)
}

function southAfricanId(value: string): boolean {
  const month = Number(value.slice(2, 4))
  const day = Number(value.slice(4, 6))
  if (!isValidDate(2000, month, day) || value[10] === undefined || Number(value[10]) > 2) return false
  return luhn(value)
}

function thaiId(value: string): boolean {
  if (value[0] === '0' || value[0] === '9') return false
  let sum = 0
  for (let index = 0; index < 12; index++) sum += digitAt(value, index) * (13 - index)
  return (11 - (sum % 11)) % 10 === digitAt(value, 12)
}

function brazilCpf(value: string): boolean {
  if (/^(\d)\1{10}$/.test(value)) return false
  for (const length of [9, 10]) {
    let sum = 0
    for (let index = 0; index < length; index++) sum += digitAt(value, index) * (length + 1 - index)
    const check = ((sum * 10) % 11) % 10
    if (check !== digitAt(value, length)) return false
  }
  return true
}

function brazilCnpj(value: string): boolean {
  if (/^(\d)\1{13}$/.test(value)) return false
  const first = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
  const second = [6, ...first]
  for (const weights of [first, second]) {
    const remainder = weightedSum(value, weights) % 11
    if ((remainder < 2 ? 0 : 11 - remainder) !== digitAt(value, weights.length)) return false
  }
  return true
}

const PASSPORT_WORDS = ['passport', 'pasaporte', 'passeport', 'pasaporte']
const MBI_LETTER = '[AC-HJKMNP-RT-Y]'

export const WORLD_FORMATS: readonly IdFormat[] = [
  // United States
  {
    kind: 'us_passport',
    leads: [0, 1],
    runs: [8, 9],
    pattern: '[A-Z]?\\d{8,9}',
    confidence: 0.1,
    words: PASSPORT_WORDS,
    withContext: 0.85,
  },
  {
    kind: 'us_drivers_license',
    leads: [0, 1, 2],
    runs: range(4, 14),
    pattern: '[A-Z]{0,2}\\d{4,14}',
    confidence: 0.1,
    words: [
      "driver's license",
      'drivers license',
      'driver license',
      "driver's licence",
      'driving license',
      'dl#',
      'dl no',
      'dl number',
      'dln',
      'license number',
      'license no',
      'licence no',
    ],
    withContext: 0.85,
    priority: 2,
  },
  {
    kind: 'us_aba_routing',
    leads: [0],
    runs: [9],
    pattern: '\\d{9}',
    check: abaRouting,
    confidence: 0.3,
    words: ['routing', 'aba', 'rtn', 'transit number', 'bank code'],
    withContext: 0.92,
  },
  {
    kind: 'us_npi',
    leads: [0],
    runs: [10],
    pattern: '\\d{10}',
    check: npi,
    confidence: 0.3,
    words: ['npi', 'national provider', 'provider id', 'provider number', 'prescriber'],
    withContext: 0.93,
  },
  {
    kind: 'us_mbi',
    leads: [0],
    runs: [1],
    pattern: `[1-9]${MBI_LETTER}[AC-HJKMNP-RT-Y0-9]\\d-?${MBI_LETTER}[AC-HJKMNP-RT-Y0-9]\\d-?${MBI_LETTER}{2}\\d{2}`,
    ignoreCase: true,
    confidence: 0.8,
    words: ['medicare', 'mbi', 'beneficiary'],
    withContext: 0.97,
  },
  {
    kind: 'us_ein',
    leads: [0],
    runs: [2],
    pattern: '\\d{2}-\\d{7}',
    check: (value) =>
      ![
        '00',
        '07',
        '08',
        '09',
        '17',
        '18',
        '19',
        '28',
        '29',
        '49',
        '69',
        '70',
        '78',
        '79',
        '89',
        '96',
        '97',
      ].includes(value.slice(0, 2)),
    confidence: 0.45,
    words: ['ein', 'employer identification', 'fein', 'tax id', 'federal tax'],
    withContext: 0.92,
  },
  // Canada
  {
    kind: 'ca_sin',
    leads: [0],
    runs: [3, 9],
    pattern: '\\d{3}[ -]\\d{3}[ -]\\d{3}|\\d{9}',
    check: canadianSin,
    confidence: 0.45,
    words: ['sin', 'social insurance', "numéro d'assurance sociale", 'nas'],
    withContext: 0.95,
  },
  {
    kind: 'ca_passport',
    leads: [2],
    runs: [6],
    pattern: '[A-Z]{2}\\d{6}',
    confidence: 0.3,
    words: ['passport', 'passeport'],
    withContext: 0.85,
  },
  // India
  {
    kind: 'in_aadhaar',
    leads: [0],
    runs: [4, 12],
    pattern: '\\d{4}([ :-])\\d{4}\\1\\d{4}|\\d{12}',
    check: aadhaar,
    confidence: 0.75,
    words: ['aadhaar', 'aadhar', 'uidai', 'uid'],
    withContext: 0.97,
  },
  {
    kind: 'in_pan',
    leads: [5],
    runs: [4],
    pattern: '[A-Z]{3}[ABCFGHLJPT][A-Z]\\d{4}[A-Z]',
    confidence: 0.8,
    words: ['pan', 'permanent account', 'income tax'],
    withContext: 0.97,
  },
  {
    kind: 'in_gstin',
    leads: [0],
    runs: [2],
    pattern: '\\d{2}[A-Z]{5}\\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]',
    check: gstin,
    confidence: 0.95,
  },
  {
    kind: 'in_passport',
    leads: [1],
    runs: [7],
    pattern: '[A-PR-WY][1-9]\\d ?\\d{4}[1-9]',
    confidence: 0.3,
    words: PASSPORT_WORDS,
    withContext: 0.85,
    kindFor: (state, start) =>
      /indi|bharat/.test(state.text.slice(Math.max(0, start - 64), start).toLowerCase())
        ? 'in_passport'
        : 'passport',
    alsoKinds: ['passport'],
  },
  {
    kind: 'in_voter_id',
    leads: [3],
    runs: [7],
    pattern: '[A-Z]{3}\\d{7}',
    confidence: 0.4,
    words: ['voter', 'epic', 'election'],
    withContext: 0.9,
  },
  // Australia
  {
    kind: 'au_tfn',
    leads: [0],
    runs: [3],
    // written the ATO way, in groups of three: the check digit is enough
    pattern: '\\d{3} \\d{3} \\d{2,3}',
    check: australianTfn,
    confidence: 0.5,
    words: ['tfn', 'tax file'],
    withContext: 0.95,
  },
  {
    kind: 'au_tfn',
    leads: [0],
    runs: [8, 9],
    pattern: '\\d{8,9}',
    check: australianTfn,
    confidence: 0.35,
    words: ['tfn', 'tax file'],
    withContext: 0.95,
  },
  {
    kind: 'au_medicare',
    leads: [0],
    runs: [4, 10, 11],
    pattern: '\\d{4} ?\\d{5} ?\\d(?:[ /-]?\\d)?',
    check: australianMedicare,
    confidence: 0.45,
    words: ['medicare'],
    withContext: 0.95,
  },
  {
    kind: 'au_abn',
    leads: [0],
    runs: [2, 11],
    pattern: '\\d{2} ?\\d{3} ?\\d{3} ?\\d{3}',
    check: australianAbn,
    confidence: 0.45,
    words: ['abn', 'australian business'],
    withContext: 0.95,
  },
  {
    kind: 'au_passport',
    leads: [1, 2],
    runs: [7],
    pattern: '[A-Z]{1,2}\\d{7}',
    confidence: 0.2,
    words: ['australian passport', 'passport number (au', 'au passport'],
    withContext: 0.88,
  },
  // Singapore
  {
    kind: 'sg_nric',
    leads: [1],
    runs: [7],
    pattern: '[STFGM]\\d{7}[A-Z]',
    ignoreCase: true,
    check: singaporeNric,
    confidence: 0.9,
    words: ['nric', 'fin', 'singapore'],
    withContext: 0.98,
  },
  // South Korea
  {
    kind: 'kr_rrn',
    leads: [0],
    runs: [6],
    pattern: '\\d{6}-\\d{7}',
    check: (value) => koreanRrnDate(value) && koreanRrnChecksum(value),
    confidence: 0.75,
    words: ['주민등록', 'rrn', 'resident registration', 'korean'],
    withContext: 0.96,
  },
  {
    kind: 'kr_rrn',
    leads: [0],
    runs: [13],
    pattern: '\\d{13}',
    check: (value) => koreanRrnDate(value) && koreanRrnChecksum(value),
    confidence: 0.45,
    words: ['주민등록', 'rrn', 'resident registration', 'korean'],
    withContext: 0.93,
  },
  // Turkey
  {
    kind: 'tr_national_id',
    leads: [0],
    runs: [11],
    pattern: '\\d{11}',
    check: turkishId,
    confidence: 0.5,
    words: ['tc kimlik', 'kimlik', 't.c.', 'tckn', 'turkish', 'tc no', 'vatandaşlık'],
    withContext: 0.96,
  },
  // South Africa
  {
    kind: 'za_id',
    leads: [0],
    runs: [6, 13],
    pattern: '\\d{6} ?\\d{4} ?\\d{3}',
    check: southAfricanId,
    confidence: 0.65,
    words: ['south africa', 'rsa id', 'identity number', 'id number', 'sa id'],
    withContext: 0.95,
  },
  // Nigeria
  {
    kind: 'ng_nin',
    leads: [0],
    runs: [11],
    pattern: '\\d{11}',
    confidence: 0.1,
    words: ['nin', 'national identification number', 'nimc'],
    withContext: 0.85,
  },
  {
    kind: 'ng_bvn',
    leads: [0],
    runs: [11],
    pattern: '\\d{11}',
    confidence: 0.1,
    words: ['bvn', 'bank verification'],
    withContext: 0.9,
  },
  // Philippines
  {
    kind: 'ph_philsys',
    leads: [0],
    runs: [4, 12, 16],
    pattern: '\\d{4}-\\d{4}-\\d{4}(?:-\\d{4})?|\\d{16}|\\d{12}',
    confidence: 0.1,
    words: ['philsys', 'philid', 'psn', 'national id', 'pcn'],
    withContext: 0.88,
  },
  {
    kind: 'ph_tin',
    leads: [0],
    runs: [3],
    pattern: '\\d{3}-\\d{3}-\\d{3}(?:-\\d{3,5})?',
    confidence: 0.35,
    words: ['tin', 'bir', 'taxpayer identification'],
    withContext: 0.9,
  },
  {
    kind: 'ph_sss',
    leads: [0],
    runs: [2],
    pattern: '\\d{2}-\\d{7}-\\d',
    confidence: 0.6,
    words: ['sss', 'social security system'],
    withContext: 0.95,
  },
  {
    kind: 'ph_umid',
    leads: [0],
    runs: [4],
    pattern: '\\d{4}-\\d{7}-\\d',
    confidence: 0.55,
    words: ['umid', 'crn', 'common reference'],
    withContext: 0.95,
  },
  {
    kind: 'ph_philhealth',
    leads: [0],
    runs: [2],
    pattern: '\\d{2}-\\d{9}-\\d',
    confidence: 0.55,
    words: ['philhealth', 'pin'],
    withContext: 0.95,
  },
  // Thailand
  {
    kind: 'th_national_id',
    leads: [0],
    runs: [1],
    pattern: '\\d-\\d{4}-\\d{5}-\\d{2}-\\d|\\d \\d{4} \\d{5} \\d{2} \\d',
    check: thaiId,
    confidence: 0.85,
    words: ['บัตรประชาชน', 'thai', 'national id', 'citizen id'],
    withContext: 0.97,
  },
  {
    kind: 'th_national_id',
    leads: [0],
    runs: [13],
    pattern: '\\d{13}',
    check: thaiId,
    confidence: 0.45,
    words: ['บัตรประชาชน', 'thai', 'national id', 'citizen id'],
    withContext: 0.93,
  },
  // Brazil
  {
    kind: 'br_cpf',
    leads: [0],
    runs: [3, 11],
    pattern: '\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}|\\d{11}',
    check: brazilCpf,
    confidence: 0.45,
    words: ['cpf', 'cadastro'],
    withContext: 0.95,
  },
  {
    kind: 'br_cnpj',
    leads: [0],
    runs: [2, 14],
    pattern: '\\d{2}\\.\\d{3}\\.\\d{3}/\\d{4}-\\d{2}|\\d{14}',
    check: brazilCnpj,
    confidence: 0.5,
    words: ['cnpj'],
    withContext: 0.95,
  },
]

import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js'
import { describe, expect, test } from 'vitest'
import { mayBeValidNational } from './phone-plans'

// The prefilter may only skip numbers libphonenumber-js refuses: every number it calls impossible
// is parsed here and must be invalid. Regions with simple and with rewriting prefix rules, shared
// calling codes (GB with GG/IM/JE, US with the NANP), IDD prefixes of several shapes.
const REGIONS = [
  'GB',
  'DE',
  'FR',
  'IN',
  'AU',
  'NL',
  'IT',
  'ES',
  'BR',
  'AR',
  'MX',
  'RU',
  'JP',
  'CN',
  'CH',
  'SE',
  'ZA',
]
const STARTS = ['0', '00', '0011', '011', '8', '810', '1', '9', '44', '49', '33', '91', '61', '55', '54', '']

function generator(seed: number): (limit: number) => number {
  let state = seed
  return (limit) => {
    state = (state * 16807) % 2147483647
    return state % limit
  }
}

describe('mayBeValidNational', () => {
  test('never refuses a number libphonenumber-js finds valid', () => {
    const random = generator(1206)
    let refused = 0
    let valid = 0
    const samples = 12_000
    for (let sample = 0; sample < samples; sample++) {
      const region = REGIONS[random(REGIONS.length)] as string
      let digits = STARTS[random(STARTS.length)] as string
      const length = 6 + random(10)
      while (digits.length < length) digits += String(random(10))
      const parsed = parsePhoneNumberFromString(digits, region as CountryCode)?.isValid() === true
      if (parsed) valid++
      if (!mayBeValidNational(digits, region)) {
        refused++
        expect({ digits, region, valid: parsed }).toEqual({ digits, region, valid: false })
      }
    }
    // it is worth having: most random numbers are refused without parsing, and some are valid
    expect(refused).toBeGreaterThan(samples / 3)
    expect(valid).toBeGreaterThan(samples / 50)
  })

  test('passes real numbers of the default regions', () => {
    expect(mayBeValidNational('02079460958', 'GB')).toBe(true)
    expect(mayBeValidNational('07624369230', 'GB')).toBe(true) // Isle of Man, GB's calling code
    expect(mayBeValidNational('030123456', 'DE')).toBe(true)
    expect(mayBeValidNational('0142685300', 'FR')).toBe(true)
    expect(mayBeValidNational('02212345678', 'IN')).toBe(true)
    expect(mayBeValidNational('0291234567', 'AU')).toBe(true)
    expect(mayBeValidNational('0999999999999', 'GB')).toBe(false)
    expect(parsePhoneNumberFromString('0999999999999', 'GB')?.isValid()).not.toBe(true)
  })
})

import nlp from 'compromise'
import { describe, expect, it } from 'vitest'
import { redact } from '../redaction/redact'
import { detect } from './detect'
import { type CompromiseLike, createNameAddressDetector } from './name-address-detector'
import type { Finding } from './types'

const detector = createNameAddressDetector()
const found = (text: string, kind: string): string[] =>
  detect(text, { detectors: [detector], kinds: [kind] }).map((finding) =>
    text.slice(finding.start, finding.end),
  )

describe('createNameAddressDetector', () => {
  it.each([
    ['Dear Ms Ada Lovelace, thank you.', 'Ada Lovelace'],
    ['Name: Jean-Luc Picard', 'Jean-Luc Picard'],
    ['Frau Anna Müller wohnt hier.', 'Anna Müller'],
    ['pour M. Jean Dupont, merci', 'Jean Dupont'],
    ['Me llamo Lucía Fernández.', 'Lucía Fernández'],
    ['my name is Kees van der Berg, hi', 'Kees van der Berg'],
    ['Sig. Mario Rossi ha chiamato', 'Mario Rossi'],
    ["Patient: Seán O'Neil", "Seán O'Neil"],
    ['DEAR Mr. Bean', 'Bean'],
  ])('finds the name in %j', (text, name) => {
    expect(found(text, 'person_name')).toEqual([name])
  })

  it.each([
    ['ship to 221B Baker Street, London', '221B Baker Street'],
    ['1600 Pennsylvania Avenue NW, Washington', '1600 Pennsylvania Avenue NW'],
    ['Frau Müller, Hauptstraße 12a, Berlin', 'Hauptstraße 12a'],
    ['Envoyez à 12 rue de la Paix, Paris', '12 rue de la Paix'],
    ['Calle de Alcalá 45, Madrid', 'Calle de Alcalá 45'],
    ['Keizersgracht 123, Amsterdam', 'Keizersgracht 123'],
    ['Via Roma 1, Milano', 'Via Roma 1'],
    ['We met at 10 Downing St. yesterday', '10 Downing St'],
  ])('finds the address in %j', (text, address) => {
    expect(found(text, 'street_address')).toEqual([address])
  })

  it.each([
    'Dear friends, the calle mayor is closed.',
    'NAME: ADA',
    'dr. who is on tonight',
    'Version 2 Street Fighter',
    'The Apple Watch and Paris are lovely.',
    'Route 66 and street food',
    'Mrs',
  ])('rejects the near-miss %j', (text) => {
    expect(detect(text, { detectors: [detector], kinds: ['person_name', 'street_address'] })).toEqual([])
  })

  it('redacts both kinds with the other detectors, and each kind can be turned off', () => {
    const text = 'Dear Mr John Smith, send it to 12 Baker Street or john@example.com.'
    expect(redact(text, { detectors: [detector] }).text).toBe(
      'Dear Mr <PERSON_NAME_1>, send it to <STREET_ADDRESS_1> or <EMAIL_1>.',
    )
    const namesOnly = createNameAddressDetector({ addresses: false })
    expect(namesOnly.kinds).toEqual(['person_name'])
    expect((namesOnly.detect(text) as readonly Finding[]).map((finding) => finding.kind)).toEqual([
      'person_name',
    ])
  })

  it('with compromise, also finds English names written without a cue', () => {
    const withNlp = createNameAddressDetector({ nlp: nlp as unknown as CompromiseLike })
    const text = 'Yesterday Maria Garcia met the auditors.'
    const names = (withNlp.detect(text) as readonly Finding[]).map((finding) =>
      text.slice(finding.start, finding.end),
    )
    expect(names).toEqual(['Maria Garcia'])
    expect(detector.detect(text)).toEqual([])
  })
})

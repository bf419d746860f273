import { describe, expect, test } from 'vitest'
import { contextWords, hasContext, indexContext } from './context-words'
import { inSpan, type ScanState } from './scan-state'

// The context span of a scan is tokenised piece by piece as matchers ask about windows (left of
// it, right of it, across a gap, far away). Whatever the order, each answer must be the one the
// whole text gives: a word of the list starts inside the window.

const LISTS = [
  contextWords(['passport', 'date of birth', 'ssn', 'tel', 'tel.', 'steuer']),
  contextWords(['#', 'ss #', 'id', 'no', '€', 'reisepass']),
  contextWords(['born', 'dob', 'd.o.b', 'social security', 'mobile']),
]
const PIECES = [
  'passport',
  'Passports',
  'date of birth',
  'Date  of\nbirth',
  'SSN',
  'ss #',
  'tel.',
  'Tel',
  'telx',
  'Steuer-ID',
  '#',
  '€',
  'id',
  'ID:',
  'no',
  'born',
  'D.O.B',
  'social security',
  'Reisepass',
  'mobile',
  '123-45-6789',
  '4111',
  'naïve',
  'x',
  'the',
  ' ',
  '  ',
  '-',
  '.',
  '\n',
  '(',
]

/** A small seeded generator, so a failure can be replayed. */
function generator(seed: number): (limit: number) => number {
  let state = seed
  return (limit) => {
    state = (state * 16807) % 2147483647
    return state % limit
  }
}

function freshState(text: string): ScanState {
  return {
    text,
    findings: [],
    enabled: null,
    disabled: null,
    minConfidence: 0.5,
    phoneRegions: [],
    lower: undefined,
    context: null,
    compact: '',
    compactStart: -1,
    compactEnd: -1,
  }
}

describe('context span', () => {
  test('answers every window as the whole text does, in any order of questions', () => {
    const random = generator(20261206)
    let asked = 0
    let found = 0
    for (let round = 0; round < 400; round++) {
      let text = ''
      const length = 5 + random(60)
      for (let index = 0; index < length; index++) text += PIECES[random(PIECES.length)]
      const whole = indexContext(text, 0, text.length)
      const state = freshState(text)
      for (let question = 0; question < 25; question++) {
        const from = random(text.length + 1)
        const to = Math.min(text.length, from + random(90))
        const words = LISTS[random(LISTS.length)] as (typeof LISTS)[number]
        const expected = hasContext(whole, words, from, to)
        expect(inSpan(state, words, from, to)).toBe(expected)
        asked++
        if (expected) found++
      }
    }
    // both answers occur often enough for the comparison to mean something
    expect(found).toBeGreaterThan(asked / 10)
    expect(asked - found).toBeGreaterThan(asked / 10)
  })
})

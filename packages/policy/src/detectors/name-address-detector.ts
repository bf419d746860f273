// Person names and street addresses: the two kinds of personal data that have no format or check
// digit. Both are found from cues, not guessed from every capitalised word: a title or a label
// before a name ("Mr", "Frau", "Name:", "my name is", "Dear"), and a street type next to a house
// number ("221B Baker Street", "Hauptstraße 12", "12 rue de la Paix"). An optional NLP model
// (`compromise`) adds names written without a cue, in English, at a far higher cost.
import type { Detector, Finding } from './types'

/** The part of `compromise` the detector uses: `nlp(text).people().out('offset')`. */
export type CompromiseLike = (text: string) => {
  people(): { out(format: 'offset'): readonly { text: string; offset: { start: number; length: number } }[] }
}

/** Options of {@link createNameAddressDetector}. */
export interface NameAddressDetectorOptions {
  /** Report names (`person_name`, default true). */
  readonly names?: boolean
  /** Report street addresses (`street_address`, default true). */
  readonly addresses?: boolean
  /**
   * `import nlp from 'compromise'`: also report names its English grammar and lexicon find without
   * a cue (confidence 0.6). Milliseconds per kilobyte: for chat-sized texts, not bulk scans.
   */
  readonly nlp?: CompromiseLike
}

// One capitalised name word: letters of any script after an upper-case letter, with inner
// apostrophes and hyphens (O'Neil, Jean-Luc, Müller); particles (van, de, von, da, bin) may sit
// between name words.
const WORD = "\\p{Lu}(?:[\\p{Ll}\\p{M}]+|(?=['’]))(?:['’-]\\p{Lu}?[\\p{Ll}\\p{M}]+)*"
const PARTICLE = '(?:van|von|der|den|de|del|della|di|da|dos|du|le|la|bin|al|ter)'
const NAME = `${WORD}(?:\\s+(?:${PARTICLE}\\s+)*${WORD}){0,3}`
const TITLES = [
  'Mr',
  'Mrs',
  'Ms',
  'Miss',
  'Mx',
  'Dr',
  'Prof',
  'Sir',
  'Dame',
  'Herr',
  'Frau',
  'Hr',
  'Fr',
  'M',
  'Mme',
  'Mlle',
  'Sr',
  'Sra',
  'Srta',
  'Sig',
  'Sig\\.ra',
  'Dhr',
  'Mevr',
]
const LABELS = [
  'name',
  'full name',
  'patient',
  'customer',
  'employee',
  'applicant',
  'account holder',
  'cardholder',
  'nombre',
  'nom',
  'vorname',
  'nachname',
  'nome',
  'naam',
]
const PHRASES = [
  'my name is',
  "my name's",
  'i am called',
  'dear',
  'signed',
  'regards,',
  'sincerely,',
  'ich heiße',
  'je m’appelle',
  "je m'appelle",
  'me llamo',
  'mi chiamo',
  'mijn naam is',
]
/** A cue written in any case ("Dear", "DEAR", "dear"), while the name itself must be capitalised. */
function anyCase(value: string): string {
  let pattern = ''
  for (const character of value) {
    if (/\s/.test(character)) pattern += '\\s+'
    else if (character.toLowerCase() !== character.toUpperCase())
      pattern += `[${character.toLowerCase()}${character.toUpperCase()}]`
    else pattern += character.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return pattern
}
const TITLE = `(?:${TITLES.join('|')})\\.?`
// Titles are case-sensitive ("Dr" but not "dr"), labels need their colon; a title may follow a cue.
const TITLED = new RegExp(`(?<![\\p{L}])${TITLE}\\s+(${NAME})`, 'gu')
const LABELLED = new RegExp(
  `(?<![\\p{L}])(?:${LABELS.map(anyCase).join('|')})\\s*:\\s*(?:${TITLE}\\s+)?(${NAME})`,
  'gu',
)
const INTRODUCED = new RegExp(
  `(?<![\\p{L}])(?:${PHRASES.map(anyCase).join('|')})\\s+(?:${TITLE}\\s+)?(${NAME})`,
  'gu',
)

// Street types, in the languages of the policy's users; German compounds end in them.
const STREET_AFTER = [
  'Street',
  'St',
  'Road',
  'Rd',
  'Avenue',
  'Ave',
  'Lane',
  'Ln',
  'Drive',
  'Dr',
  'Boulevard',
  'Blvd',
  'Way',
  'Court',
  'Ct',
  'Place',
  'Pl',
  'Square',
  'Terrace',
  'Close',
  'Crescent',
  'Highway',
  'Parkway',
]
const STREET_BEFORE = [
  'rue',
  'avenue',
  'boulevard',
  'bd',
  'place',
  'chemin',
  'allée',
  'impasse',
  'calle',
  'avenida',
  'paseo',
  'plaza',
  'via',
  'viale',
  'piazza',
  'corso',
  'ulica',
  'ul.',
]
const GERMANIC_SUFFIX =
  '(?:straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer|straat|laan|gracht|plein|gatan|vägen|katu|tie)'
// 221B Baker Street · 1600 Pennsylvania Avenue NW
const NUMBER_FIRST = new RegExp(
  `(?<![\\p{L}\\d])\\d{1,5}[A-Za-z]?,?\\s+(?:${WORD}\\s+){1,3}(?:${STREET_AFTER.join('|')})(?:\\s+(?:NW|NE|SW|SE|N|S|E|W))?(?![\\p{L}])`,
  'gu',
)
// 12 rue de la Paix · Calle de Alcalá 45 · Via Roma 1
const TYPE_FIRST = new RegExp(
  `(?<![\\p{L}])(?:(?:\\d{1,5}[a-z]?,?\\s+)(?:${STREET_BEFORE.map(anyCase).join('|')})\\s+(?:(?:de|del|de la|des|du|di|della|dei|d['’])\\s*)?(?:${WORD}\\s*){1,3}|(?:${STREET_BEFORE.map(anyCase).join('|')})\\s+(?:(?:de|del|de la|des|du|di|della|dei|d['’])\\s*)?(?:${WORD}\\s+){1,3}\\d{1,5}[a-z]?)(?![\\p{L}\\d])`,
  'gu',
)
// Hauptstraße 12 · Keizersgracht 123 · Drottninggatan 5
const GERMANIC = new RegExp(
  `(?<![\\p{L}])[\\p{Lu}][\\p{Ll}\\p{M}ß-]*${GERMANIC_SUFFIX}\\s+\\d{1,4}\\s?[a-z]?(?![\\p{L}\\d])`,
  'gu',
)

function findAll(pattern: RegExp, text: string, kind: string, confidence: number, group = 0): Finding[] {
  const found: Finding[] = []
  pattern.lastIndex = 0
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const value = match[group]
    if (value === undefined) continue
    const start = match.index + match[0].indexOf(value)
    found.push({ kind, start, end: start + value.trimEnd().length, confidence })
  }
  return found
}

/**
 * A detector of person names (`person_name`) and street addresses (`street_address`), for
 * `detect(text, { detectors: [createNameAddressDetector()] })` or a policy engine's
 * `detectOptions`. Names are reported after a title, a label or an introducing phrase (English,
 * German, French, Spanish, Italian and Dutch cues); addresses where a street type meets a house
 * number (the same languages, and Nordic street suffixes). It does not guess names from
 * capitalisation alone, so names without a cue are missed unless `nlp` (compromise) is given.
 *
 * @example
 * ```ts
 * detect('Dear Ms Ada Lovelace, we ship to 12 Baker Street.', { detectors: [createNameAddressDetector()] })
 * // → person_name "Ada Lovelace", street_address "12 Baker Street"
 * ```
 */
export function createNameAddressDetector(options: NameAddressDetectorOptions = {}): Detector {
  const names = options.names !== false
  const addresses = options.addresses !== false
  const nlp = options.nlp
  return {
    kinds: [...(names ? ['person_name'] : []), ...(addresses ? ['street_address'] : [])],
    detect(text) {
      const findings: Finding[] = []
      if (names) {
        findings.push(...findAll(TITLED, text, 'person_name', 0.9, 1))
        findings.push(...findAll(LABELLED, text, 'person_name', 0.85, 1))
        findings.push(...findAll(INTRODUCED, text, 'person_name', 0.85, 1))
        if (nlp !== undefined) {
          for (const person of nlp(text).people().out('offset')) {
            const value = person.text.replace(/[\s.,;:!?]+$/u, '')
            if (!/\p{Lu}/u.test(value)) continue
            findings.push({
              kind: 'person_name',
              start: person.offset.start,
              end: person.offset.start + value.length,
              confidence: 0.6,
            })
          }
        }
      }
      if (addresses) {
        findings.push(...findAll(NUMBER_FIRST, text, 'street_address', 0.85))
        findings.push(...findAll(TYPE_FIRST, text, 'street_address', 0.8))
        findings.push(...findAll(GERMANIC, text, 'street_address', 0.85))
      }
      // The same name found by two cues (“Dear Mr …”) is reported once.
      const seen = new Set<string>()
      return findings.filter((finding) => {
        const key = `${finding.kind}:${finding.start}:${finding.end}`
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
    },
  }
}

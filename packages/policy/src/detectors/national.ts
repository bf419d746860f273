// National, tax, health and travel identifiers, by jurisdiction: see national-europe.ts and
// national-world.ts for the formats and their check digits.
import { idMatcher } from './id-format'
import type { CandidateMatcher } from './matcher'
import { EUROPE_FORMATS } from './national-europe'
import { WORLD_FORMATS } from './national-world'

export const NATIONAL_MATCHERS: readonly CandidateMatcher[] = [...EUROPE_FORMATS, ...WORLD_FORMATS].map(
  idMatcher,
)

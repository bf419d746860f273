// National, tax, health and travel identifiers, by jurisdiction.
import type { CandidateMatcher } from './matcher'

export const NATIONAL_MATCHERS: readonly CandidateMatcher[] = []

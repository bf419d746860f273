// A cheap "cannot be valid" test before libphonenumber-js parses a national number. Parsing costs
// 8–40 µs per region (it builds its regular expressions on every call), and a number seen for the
// first time is parsed once per region tried. libphonenumber-js finds a number valid only when its
// national significant number matches, entirely, the national-number pattern of the numbering plan
// it picks, and that plan is one of the countries sharing the region's calling code. The national
// number is the digits as given, or with the national prefix taken off (as the library does it,
// with the same expression), or the same two after a leading calling code written without `+`.
// When none of these matches any of those patterns (compiled once per region), the parse is
// skipped. Numbers the library could read as international (an IDD prefix first), a prefix rule
// that rewrites the digits, or metadata that does not look as expected go to the parser as before.

import { type CountryCode, getCountryCallingCode, Metadata } from 'libphonenumber-js'

// What the prefilter reads from libphonenumber-js's metadata, which its types do not declare.
interface PlanInternals {
  nationalNumberPattern(): string
  nationalPrefixForParsing(): string | undefined
  nationalPrefixTransformRule(): unknown
  IDDPrefix(): string
}
interface MetadataInternals {
  selectNumberingPlan(country: string): void
  readonly numberingPlan: PlanInternals
  getCountryCodesForCallingCode(callingCode: string): readonly string[] | undefined
}

interface RegionPlans {
  readonly callingCode: string
  readonly idd: RegExp
  readonly prefix: RegExp | null
  /** The prefix rule may rewrite the digits: such numbers go to the parser. */
  readonly rewrites: boolean
  /** `^(?:pattern)$` of every country sharing the calling code. */
  readonly patterns: readonly RegExp[]
}

const plans = new Map<string, RegionPlans | null>()

function plansOf(region: string): RegionPlans | null {
  const known = plans.get(region)
  if (known !== undefined) return known
  let found: RegionPlans | null = null
  try {
    const metadata = new Metadata() as unknown as MetadataInternals
    metadata.selectNumberingPlan(region)
    const plan = metadata.numberingPlan
    const prefix = plan.nationalPrefixForParsing()
    const idd = new RegExp(plan.IDDPrefix())
    const rewrites = Boolean(plan.nationalPrefixTransformRule())
    const callingCode = getCountryCallingCode(region as CountryCode)
    const countries = metadata.getCountryCodesForCallingCode(callingCode)
    if (countries !== undefined && countries.length > 0) {
      const patterns = countries.map((country) => {
        metadata.selectNumberingPlan(country)
        const pattern = metadata.numberingPlan.nationalNumberPattern()
        if (typeof pattern !== 'string' || pattern === '') throw new Error('no national number pattern')
        return new RegExp(`^(?:${pattern})$`)
      })
      found = { callingCode, idd, prefix: prefix ? new RegExp(`^(?:${prefix})`) : null, rewrites, patterns }
    }
  } catch {
    found = null
  }
  plans.set(region, found)
  return found
}

/** Whether `national` (or it without its national prefix) may match a plan; null when unsure. */
function matchesPlan(national: string, region: RegionPlans): boolean {
  for (const pattern of region.patterns) if (pattern.test(national)) return true
  if (region.prefix === null) return false
  const prefix = region.prefix.exec(national)
  if (prefix === null) return false
  // a rule that rewrites the digits from a captured group: leave it to the parser
  if (region.rewrites && prefix.length > 1 && prefix[prefix.length - 1]) return true
  const stripped = national.slice(prefix[0].length)
  for (const pattern of region.patterns) if (pattern.test(stripped)) return true
  return false
}

/**
 * False only when libphonenumber-js cannot find the national number `digits` valid with `region`
 * as its default country (so the parse can be skipped); true when it may.
 */
export function mayBeValidNational(digits: string, region: string): boolean {
  const plan = plansOf(region)
  if (plan === null || digits.search(plan.idd) === 0) return true
  if (matchesPlan(digits, plan)) return true
  return digits.startsWith(plan.callingCode) && matchesPlan(digits.slice(plan.callingCode.length), plan)
}

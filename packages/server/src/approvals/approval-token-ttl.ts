/** The default lifetime of an approval token after the approval, in seconds (15 minutes). */
export const DEFAULT_APPROVAL_TOKEN_TTL_SECONDS = 900

/** The longest lifetime `MIMA_APPROVAL_TOKEN_TTL_SECONDS` may set (one day). */
export const MAX_APPROVAL_TOKEN_TTL_SECONDS = 86_400

/**
 * Reads `MIMA_APPROVAL_TOKEN_TTL_SECONDS`: how long an approval token stays valid after the
 * approval (a whole number of seconds from 1 to 86 400; default 900). Throws a clear error on a bad
 * value, so the server refuses to start rather than run with a lifetime nobody chose.
 * `loadConfig` (server/config.ts) calls it; the approvals feature takes the result as an option.
 */
export function approvalTokenTtlSeconds(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const raw = env.MIMA_APPROVAL_TOKEN_TTL_SECONDS?.trim()
  if (raw === undefined || raw === '') return DEFAULT_APPROVAL_TOKEN_TTL_SECONDS
  const seconds = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_APPROVAL_TOKEN_TTL_SECONDS) {
    throw new Error(
      `MIMA_APPROVAL_TOKEN_TTL_SECONDS must be a whole number of seconds from 1 to ${MAX_APPROVAL_TOKEN_TTL_SECONDS} (default ${DEFAULT_APPROVAL_TOKEN_TTL_SECONDS}), got "${env.MIMA_APPROVAL_TOKEN_TTL_SECONDS}".`,
    )
  }
  return seconds
}

/**
 * The `mima` exit codes. They are stable: scripts and CI pipelines branch on them.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | a check failed (gates, verify) or the input was refused (validation, not found) |
 * | 2 | usage error: unknown command or flag, missing argument, bad value, no credentials configured |
 * | 3 | the server could not be reached, or it answered with an error |
 */
export const EXIT_CODES: {
  readonly ok: 0
  readonly failed: 1
  readonly usage: 2
  readonly unavailable: 3
} = {
  ok: 0,
  failed: 1,
  usage: 2,
  unavailable: 3,
} as const

/** One of the values in {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** The exit-code table as printed at the end of `mima --help`. */
export const EXIT_CODE_HELP: string = [
  'Exit codes:',
  '  0  success',
  '  1  a check failed (gates check, verify) or the input was refused',
  '  2  usage error (unknown command or flag, missing or bad value, no credentials)',
  '  3  server unreachable, or the server answered with an error',
].join('\n')

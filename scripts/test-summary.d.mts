/** Sums up the vitest JSON reports into `pnpm test`'s closing lines and exit code. */
export declare function summariseTestReports(options: {
  root: string
  resultsDir: string
  /** Report file name → package name, for every package with a `test` script. */
  expected: Map<string, string>
  filtered: boolean
  turboStatus: number | null
  wallMs: number
}): { lines: string[]; exitCode: 0 | 1 }

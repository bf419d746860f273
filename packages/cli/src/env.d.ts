/** Replaced with the package's version at build time (tsdown) and test time (vitest). */
declare const __MIMA_VERSION__: string

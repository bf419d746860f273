// Replaced with the package's version at build time (tsdown) and test time (vitest).
declare const __MIMA_VERSION__: string

/** The version of `@mima/mcp`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

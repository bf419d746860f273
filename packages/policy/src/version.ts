/** The version of `@mima/policy`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

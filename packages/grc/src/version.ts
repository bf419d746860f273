/** The version of `@mima/grc`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

/** The version of `@mima/core`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

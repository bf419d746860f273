/** The version of `@mima/server`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

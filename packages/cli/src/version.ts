/** The version of `@mima/cli`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

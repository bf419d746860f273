/** The version of `@mima/guard`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

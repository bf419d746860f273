/** The version of `@mima/approvals`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

/** The version of `@mima/integrations-langchain`, injected at build time. */
export const VERSION: string = __MIMA_VERSION__

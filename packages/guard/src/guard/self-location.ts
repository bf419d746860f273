/** This module's URL (tsdown shims `import.meta.url` in the CommonJS build). */
export const SELF_URL: string = import.meta.url

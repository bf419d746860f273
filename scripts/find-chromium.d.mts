/** The one line printed when no browser is found. */
export declare const CHROMIUM_HINT: string
/** The Chromium executable to use (MIMA_CHROMIUM_PATH, usual places, PATH), or undefined. */
export declare function findChromium(env?: Readonly<Record<string, string | undefined>>): string | undefined

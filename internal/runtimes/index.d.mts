/** Absolute path of the pinned Node.js 22 binary. */
export declare const node22: () => string
/** Absolute path of the pinned Node.js 24 binary. */
export declare const node24: () => string

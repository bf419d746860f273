/** Absolute path of the pinned Node.js 22 binary. */
export declare const node22: () => string
/** Absolute path of the pinned Node.js 24 binary. */
export declare const node24: () => string
/** Absolute path of the pinned Bun binary. */
export declare const bun: () => string
/** Absolute path of the pinned Deno binary. */
export declare const deno: () => string
/** Absolute path of the pinned workerd binary (Cloudflare Workers' runtime). */
export declare const workerd: () => string

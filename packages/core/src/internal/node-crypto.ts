import type * as NodeCrypto from 'node:crypto'

/** The parts of `node:crypto` the fast paths use. */
export type NodeCryptoModule = Pick<
  typeof NodeCrypto,
  'createHash' | 'createHmac' | 'createPrivateKey' | 'createPublicKey' | 'sign' | 'verify' | 'randomFillSync'
> & {
  hash?: (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex') => string
}

let cached: NodeCryptoModule | null | undefined

/**
 * `node:crypto` when the runtime has it (Node, Bun, Deno through `process.getBuiltinModule`),
 * otherwise `undefined`. Reached at run time so the portable build never imports a Node module.
 */
export function nodeCrypto(): NodeCryptoModule | undefined {
  if (cached === undefined) {
    try {
      const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
      cached = (process?.getBuiltinModule?.('node:crypto') as NodeCryptoModule | undefined) ?? null
    } catch {
      cached = null
    }
  }
  return cached ?? undefined
}

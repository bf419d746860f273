import {
  createPolicyEngine,
  type Direction,
  type PolicyEngine,
  type PrecheckInput,
  type PrecheckResult,
} from '@mima/policy'
import type { PolicyVersionRow } from './policy-store'

/** Evaluates prechecks on the server from stored policies, compiling each version once. */
export interface ServerPrecheck {
  /**
   * The decision for `input` under `stored` (the built-in default policy when the workspace has
   * none). `tokenKey` is the workspace's key for keyed tokens.
   */
  evaluate(
    workspaceId: string,
    stored: PolicyVersionRow | undefined,
    input: PrecheckInput,
    direction: Direction,
    tokenKey: string,
  ): PrecheckResult
}

const MAX_ENGINES = 256

/** One compiled engine per (workspace, policy, version), least recently used dropped beyond 256. */
export function createServerPrecheck(): ServerPrecheck {
  const engines = new Map<string, PolicyEngine>()
  return {
    evaluate(workspaceId, stored, input, direction, tokenKey) {
      const key = `${workspaceId}\u0000${stored?.name ?? ''}\u0000${stored?.version ?? 0}`
      let engine = engines.get(key)
      if (engine === undefined) {
        engine = createPolicyEngine({
          policy:
            stored === undefined
              ? { name: 'default' }
              : { ...stored.document, name: stored.name, version: stored.version },
          tokenKey: `${tokenKey}:token`,
        })
        if (engines.size >= MAX_ENGINES) engines.delete(engines.keys().next().value as string)
      } else {
        engines.delete(key)
      }
      engines.set(key, engine)
      return engine.evaluate(input, direction)
    },
  }
}

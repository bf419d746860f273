import { hashValue, type Mima } from '@mima/core'
import type { DecisionRecord } from './decision-record'

/** Options of {@link createDecisionAttester}. */
export interface DecisionAttesterOptions {
  /** The tool name of the attestations (default `policy.<direction>`: `policy.ingress`, `policy.egress`). */
  readonly toolName?: string
  /** Recording failures (default `console.warn`); they never change a decision. */
  readonly onError?: (error: unknown) => void
}

/** A sink for `createPolicyEngine({ evidence: { sink } })` that attests each decision. */
export interface DecisionAttester {
  readonly sink: (record: DecisionRecord) => void
}

const HEX_64 = /^[0-9a-f]{64}$/

/** The metadata an attested decision carries: the decision record without its commitment and tags. */
function decisionMetadata(record: DecisionRecord): Record<string, unknown> {
  const { text_commitment: _commitment, ...rest } = record
  return rest
}

/**
 * Records every policy decision as an attestation, so the server's signed Merkle ledger holds
 * each decision next to the calls it governed: whoever audits the ledger can prove that a `deny`
 * or a redaction happened, by which policy version and rule, and for which text. The
 * attestation's input hash is the decision's HMAC commitment of the checked text (never the text),
 * its output hash the SHA-256 of the canonical decision record, and its metadata the decision,
 * rule, reasons and detector kinds. Attestations go in batch mode, off the call path.
 *
 * @example
 * ```ts
 * const mima = createMima({ systemName: 'support-bot' })
 * const attester = createDecisionAttester(mima)
 * const engine = createPolicyEngine({ policy, evidence: { commitmentKey, sink: attester.sink } })
 * ```
 */
export function createDecisionAttester(
  mima: Pick<Mima, 'push'>,
  options: DecisionAttesterOptions = {},
): DecisionAttester {
  const onError =
    options.onError ??
    ((error: unknown) => console.warn(`[mima] attesting a policy decision failed: ${String(error)}`))
  return {
    sink(record) {
      const commitment = record.text_commitment?.slice(record.text_commitment.indexOf(':') + 1) ?? ''
      try {
        mima
          .push(
            options.toolName ?? `policy.${record.direction}`,
            HEX_64.test(commitment) ? commitment : '',
            hashValue(record),
            {
              mode: 'batch',
              executedAt: new Date(record.decided_at),
              usage: { operation: 'policy.decision', metadata: decisionMetadata(record) },
            },
          )
          .catch(onError)
      } catch (error) {
        onError(error)
      }
    },
  }
}

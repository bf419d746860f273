export {
  type AttestationPayload,
  type AttestationResult,
  type AuthorisedBy,
  type AuthorisedByWire,
  SIG_ALG_V2,
} from './attestation/attestation-payload'
export {
  attestationSigningMessage,
  legacySigningMessage,
  signAttestation,
  verifyAttestationSignature,
} from './attestation/sign-attestation'
export { createMima } from './client/create-mima'
export type {
  ApprovalTokenInput,
  AttestationBatch,
  AttestDecorator,
  AttestFunction,
  AttestOptions,
  BatchEntry,
  Clock,
  Logger,
  Mima,
  MimaOptions,
  OnError,
  PushOptions,
  SendSummary,
  Trace,
  TraceOptions,
} from './client/types'
export {
  type ConfigSources,
  type ConnectionSource,
  DEFAULT_BASE_URL,
  type ResolvedConnection,
  resolveConnection,
} from './config/resolve-config'
export { type AttestedContext, getAttestedContext, isAttested, runAttested } from './context/attested-context'
export { ERROR_CODES, isMimaErrorCode, type MimaErrorCode } from './errors/error-codes'
export { MimaError, type MimaErrorOptions } from './errors/mima-error'
export type { GrcResult, GrcWireRecord } from './grc/grc-record'
export {
  type GrcSignatureOptions,
  type GrcVerifyOptions,
  grcSigningMessage,
  signGrcRecord,
  verifyGrcSignature,
} from './grc/sign-grc-record'
export { canonicalJson } from './hashing/canonical-json'
export { hashValue, sha256Hex } from './hashing/sha256'
export { uuidv7 } from './ids/uuidv7'
export { LEDGER_LEAF_VERSION, type LedgerEntry, ledgerLeafData } from './ledger/leaf-data'
export {
  bytesToHex,
  type ConsistencyProofInput,
  emptyRootHash,
  foldFrontier,
  type HashInput,
  hexToBytes,
  type InclusionProofInput,
  type LeafHashSource,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  type TreeRoot,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './ledger/merkle'
export {
  type SignedTreeHead,
  signedTreeHeadMessage,
  TREE_HEAD_VERSION,
  type TreeHead,
  verifySignedTreeHead,
} from './ledger/tree-head'
export type { OutboxOptions } from './outbox/outbox'
export { ed25519Sign, ed25519Verify, generateSigningKey, verifyingKeyHex } from './signing/ed25519'
export type { RetryOptions } from './transport/transport'
export { VERSION } from './version'
export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  type SignWebhookPayloadOptions,
  signWebhookPayload,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
} from './webhooks/verify-webhook-signature'

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
  RecordEntry,
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
export { toHashable } from './hashing/hashable-value'
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
export {
  type AttestationTracer,
  attestationSpan,
  type SpanAttributeValue,
} from './telemetry/attestation-spans'
export type { RetryOptions } from './transport/transport'
export { type AttestationUsage, usageWireFields } from './usage/attestation-usage'
export {
  createModelCallRecorder,
  type ModelCall,
  type ModelCallBudget,
  type ModelCallProjection,
  type ModelCallRecorder,
} from './usage/model-call-recorder'
export {
  createModelCallTracker,
  type ModelCallOutcome,
  type ModelCallSpec,
  type ModelCallTracker,
  type ModelCallTrackerOptions,
} from './usage/model-call-tracker'
export { DEFAULT_PRICE_DATA, type ModelPrice, type PriceTableData } from './usage/price-data'
export {
  createPriceTable,
  defaultPriceTable,
  type PriceResult,
  type PriceTable,
  type PriceTableOptions,
  type TokenCounts,
} from './usage/price-table'
export {
  type ApiPromiseLike,
  type ChunkVerdict,
  deferredApiCall,
  estimateTokens,
  isApiPromise,
  observeApiCall,
  observeStream,
} from './usage/sdk-call'
export { VERSION } from './version'
export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  type SignWebhookPayloadOptions,
  signWebhookPayload,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
} from './webhooks/verify-webhook-signature'

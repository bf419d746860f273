export { type AttestedContext, getAttestedContext, isAttested, runAttested } from './context/attested-context'
export { ERROR_CODES, isMimaErrorCode, type MimaErrorCode } from './errors/error-codes'
export { MimaError, type MimaErrorOptions } from './errors/mima-error'
export { VERSION } from './version'
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
export { LEDGER_LEAF_VERSION, type LedgerEntry, ledgerLeafData } from './ledger/leaf-data'
export {
  type SignedTreeHead,
  signedTreeHeadMessage,
  TREE_HEAD_VERSION,
  type TreeHead,
  verifySignedTreeHead,
} from './ledger/tree-head'

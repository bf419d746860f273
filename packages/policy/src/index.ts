// --- PII and secret detectors, redaction, stream redaction (owner: policy-detect) ---
export { BUILTIN_KINDS, detect, detectAsync } from './detectors/detect'
export type { DetectOptions, Detector, Finding } from './detectors/types'
export {
  type Redaction,
  type RedactionMode,
  type RedactOptions,
  redact,
  restoreRedacted,
} from './redaction/redact'
export type { RedactionKey } from './redaction/redaction-keys'
export { type RedactStreamOptions, redactStream, type TextChunk } from './streams/redact-stream'
export { VERSION } from './version'
// --- end of detectors block ---

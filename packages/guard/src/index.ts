export {
  disableGuard,
  enableGuard,
  flushGuardReports,
  type GuardStatus,
  guardStatus,
} from './guard/enable-guard'
export type {
  GuardEvent,
  GuardMode,
  GuardOptions,
  GuardProvider,
  GuardSdkModule,
  GuardWarnFrequency,
} from './guard/guard-options'
export type { GuardCounts, PatchedSdk } from './guard/guard-state'
export { MimaAttestationError } from './guard/mima-attestation-error'
export { VERSION } from './version'

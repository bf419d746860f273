export type { GuardDaemonReport } from './daemon/guard-daemon'
export {
  type GuardDaemonLocation,
  type GuardDaemonStatus,
  guardDaemonStatus,
  type StartedGuardDaemon,
  type StartGuardDaemonOptions,
  type StoppedGuardDaemon,
  startGuardDaemon,
  stopGuardDaemon,
} from './daemon/guard-daemon-control'
export type { GuardForwarderStatus } from './daemon/guard-forwarder'
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

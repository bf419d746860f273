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
  GuardEventProvider,
  GuardHost,
  GuardMode,
  GuardOptions,
  GuardProvider,
  GuardSdkModule,
  GuardWarnFrequency,
  NetworkGuardOptions,
} from './guard/guard-options'
export type { GuardCounts, PatchedSdk } from './guard/guard-state'
export { MimaAttestationError } from './guard/mima-attestation-error'
export { DEFAULT_PROVIDER_HOSTS, type ProviderHost } from './network/provider-hosts'
export { VERSION } from './version'

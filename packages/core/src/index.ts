export { type AttestedContext, getAttestedContext, isAttested, runAttested } from './context/attested-context'
export { ERROR_CODES, isMimaErrorCode, type MimaErrorCode } from './errors/error-codes'
export { MimaError, type MimaErrorOptions } from './errors/mima-error'
export { VERSION } from './version'

export { isRecordType, RECORD_TYPES, type RecordType } from './records/record-types'
export { VERSION } from './version'

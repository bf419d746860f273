export { type AttachMimaOptions, attachMima, type CallbackManagerLike } from './attach-mima'
export { VERSION } from './version'

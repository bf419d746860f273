export { VERSION } from './version'
export { type WrapAnthropicOptions, wrapAnthropic } from './wrap-anthropic'

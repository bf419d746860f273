export { VERSION } from './version'
export { type WrapOpenAIOptions, wrapOpenAI } from './wrap-openai'

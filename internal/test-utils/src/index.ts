export { testDatabaseUrl } from './database'
export {
  createFakeLlmServer,
  type FakeLlmRequest,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  HANGING_MODEL,
} from './fake-llm-server'

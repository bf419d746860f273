export { testDatabaseUrl } from './database'
export {
  createFakeLlmServer,
  type FakeLlmRequest,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  type FakeToolCall,
  HANGING_MODEL,
} from './fake-llm-server'

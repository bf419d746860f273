export { type CachedBuildOptions, cachedBuild, TEST_CACHE_DIRECTORY } from './cached-build'
export { testDatabaseUrl } from './database'
export {
  createFakeLlmServer,
  type FakeLlmRequest,
  type FakeLlmServer,
  type FakeLlmServerOptions,
  type FakeToolCall,
  HANGING_MODEL,
} from './fake-llm-server'
export { type JsonClient, type JsonResponse, jsonClient } from './json-client'
export { DEFAULT_WAIT_MS, type WaitForOptions, waitFor } from './wait-for'

import { exact, type SdkExport, type SdkLibrary, type SdkType, table } from './catalog-types'

/**
 * Frameworks that call models for the app: LangChain (models and agents), LangGraph's prebuilt
 * agents, LlamaIndex (LLMs, embeddings, agents), Mastra and Genkit. An agent's run is reported as
 * `agent_run`: one call site that sends model requests (and tool calls) on the app's behalf.
 */

/** A runnable agent (LangChain's `createAgent` and `AgentExecutor`, LangGraph's `createReactAgent`). */
const RUNNABLE_AGENT: SdkType = {
  calls: {
    invoke: 'agent_run',
    stream: 'agent_run',
    batch: 'agent_run',
    streamEvents: 'agent_run',
    call: 'agent_run',
    run: 'agent_run',
  },
  factories: { withConfig: 'Agent', withRetry: 'Agent' },
}

const LANGCHAIN_TYPES: Record<string, SdkType> = {
  Agent: RUNNABLE_AGENT,
  ChatModel: {
    calls: {
      invoke: 'chat',
      stream: 'chat',
      batch: 'chat',
      streamEvents: 'chat',
      generate: 'chat',
      call: 'chat',
      predict: 'chat',
      predictMessages: 'chat',
    },
    factories: {
      bindTools: 'ChatModel',
      bind: 'ChatModel',
      withConfig: 'ChatModel',
      withRetry: 'ChatModel',
      withFallbacks: 'ChatModel',
      withStructuredOutput: 'StructuredModel',
      pipe: 'ChatModel',
    },
  },
  StructuredModel: {
    calls: { invoke: 'structured_output', stream: 'structured_output', batch: 'structured_output' },
    factories: { withConfig: 'StructuredModel', withRetry: 'StructuredModel', pipe: 'StructuredModel' },
  },
  Embeddings: { calls: { embedQuery: 'embeddings', embedDocuments: 'embeddings' } },
}

const NOT_LANGCHAIN_MODELS = new Set([
  '@langchain/core',
  '@langchain/langgraph',
  '@langchain/langgraph-sdk',
  '@langchain/langgraph-checkpoint',
  '@langchain/textsplitters',
  '@langchain/mcp-adapters',
])

function langchainExport(name: string): SdkExport | undefined {
  if (name === 'initChatModel') return { returns: 'ChatModel' }
  if (name === 'createAgent') return { returns: 'Agent' }
  if (name === 'AgentExecutor') return { construct: 'Agent' }
  if (/^(Azure)?Chat[A-Z]\w*$/.test(name) && !name.endsWith('MessageHistory'))
    return { construct: 'ChatModel' }
  if (/Embeddings$/.test(name) && !/^(Fake|Synthetic)/.test(name)) return { construct: 'Embeddings' }
  if (
    /^(OpenAI|AzureOpenAI|Ollama|Cohere|MistralAI|Bedrock|GoogleVertexAI|Fireworks|TogetherAI|Replicate)$/.test(
      name,
    )
  )
    return { construct: 'ChatModel' }
  return undefined
}

const LLAMAINDEX_LLMS =
  /^(OpenAI|OpenAIResponses|AzureOpenAI|Anthropic|Ollama|Gemini|Groq|MistralAI|DeepSeekLLM|FireworksLLM|TogetherLLM|Perplexity|Portkey|Replicate\w*|\w+LLM)$/

const LLAMAINDEX_TYPES: Record<string, SdkType> = {
  LLM: { calls: { chat: 'chat', complete: 'completion', exec: 'chat', streamExec: 'chat' } },
  Embedding: {
    calls: {
      getTextEmbedding: 'embeddings',
      getTextEmbeddings: 'embeddings',
      getQueryEmbedding: 'embeddings',
      getTextEmbeddingsBatch: 'embeddings',
    },
  },
  Settings: { members: { llm: 'LLM', embedModel: 'Embedding' } },
  /** `agent()` / `multiAgent()` / `new AgentWorkflow()` from `@llamaindex/workflow`. */
  AgentWorkflow: { calls: { run: 'agent_run' } },
  /** The older agent classes (`OpenAIAgent`, `ReActAgent`, …). */
  Agent: { calls: { chat: 'agent_run' } },
  /** `ContextChatEngine`, `SimpleChatEngine`, …: a chat turn sends a model request. */
  ChatEngine: { calls: { chat: 'chat' } },
  /** `RetrieverQueryEngine`: a query retrieves, then asks the model. */
  QueryEngine: { calls: { query: 'chat' } },
}

function llamaindexExport(name: string): SdkExport | undefined {
  if (name === 'Settings') return { instance: 'Settings' }
  if (name === 'agent' || name === 'multiAgent') return { returns: 'AgentWorkflow' }
  if (name === 'AgentWorkflow') return { construct: 'AgentWorkflow' }
  if (/^(OpenAI|Anthropic|Gemini|Mistral|ReAct|LLM)Agent$/.test(name)) return { construct: 'Agent' }
  if (/^[A-Z]\w*ChatEngine$/.test(name)) return { construct: 'ChatEngine' }
  if (/^[A-Z]\w*QueryEngine$/.test(name)) return { construct: 'QueryEngine' }
  if (/Embedding$/.test(name) && /^[A-Z]/.test(name) && name !== 'BaseEmbedding')
    return { construct: 'Embedding' }
  if (LLAMAINDEX_LLMS.test(name) && name !== 'BaseLLM' && name !== 'ToolCallLLM') return { construct: 'LLM' }
  if (/^(openai|anthropic|ollama|gemini|groq|mistral)$/.test(name)) return { returns: 'LLM' }
  return undefined
}

const MASTRA_AGENT_RUNS = [
  'generate',
  'stream',
  'generateVNext',
  'streamVNext',
  'generateLegacy',
  'streamLegacy',
]

export const FRAMEWORK_LIBRARIES: readonly SdkLibrary[] = [
  {
    name: '@langchain/langgraph',
    packages: ['@langchain/langgraph'],
    matches: exact('@langchain/langgraph/prebuilt'),
    exports: table({ createReactAgent: { returns: 'Agent' } }),
    types: { Agent: RUNNABLE_AGENT },
  },
  {
    name: 'langchain',
    packages: ['langchain', '@langchain/core'],
    matches: (specifier) =>
      specifier === 'langchain' ||
      specifier.startsWith('langchain/') ||
      (specifier.startsWith('@langchain/') &&
        !NOT_LANGCHAIN_MODELS.has(specifier.split('/').slice(0, 2).join('/'))),
    exports: langchainExport,
    types: LANGCHAIN_TYPES,
  },
  {
    name: 'llamaindex',
    packages: ['llamaindex'],
    matches: (specifier) =>
      specifier === 'llamaindex' ||
      specifier.startsWith('llamaindex/') ||
      specifier.startsWith('@llamaindex/'),
    exports: llamaindexExport,
    types: LLAMAINDEX_TYPES,
  },
  {
    name: '@mastra/core',
    packages: ['@mastra/core'],
    matches: exact('@mastra/core'),
    exports: table({ Agent: { construct: 'Agent' }, Mastra: { construct: 'Mastra' } }),
    types: {
      Agent: { calls: Object.fromEntries(MASTRA_AGENT_RUNS.map((method) => [method, 'agent_run' as const])) },
      Mastra: { factories: { getAgent: 'Agent', getAgentById: 'Agent' } },
    },
  },
  {
    name: 'genkit',
    packages: ['genkit', '@genkit-ai/ai'],
    matches: exact('genkit', '@genkit-ai/ai'),
    exports: table({
      genkit: { returns: 'Genkit' },
      generate: { call: 'chat' },
      generateStream: { call: 'chat' },
      embed: { call: 'embeddings' },
      embedMany: { call: 'embeddings' },
    }),
    types: {
      Genkit: {
        factories: { prompt: 'Prompt', definePrompt: 'Prompt' },
        calls: {
          generate: 'chat',
          generateStream: 'chat',
          embed: 'embeddings',
          embedMany: 'embeddings',
          rerank: 'rerank',
        },
      },
      /** `ai.prompt('name')` / `ai.definePrompt({…})`: calling it, or `stream`, generates. */
      Prompt: { invoked: 'chat', calls: { stream: 'chat' } },
    },
  },
]

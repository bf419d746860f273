/**
 * What the scanner knows about AI SDKs: which module specifiers belong to which library, what
 * each export is (a client constructor, a model-calling function, a factory), and which member
 * paths on a client send a model request. Everything is data, so adding an SDK is adding rows.
 */

/** The kind of request a call sends. `tool_call` is an MCP tool call, not a model call. */
export type Operation =
  | 'chat'
  | 'completion'
  | 'structured_output'
  | 'embeddings'
  | 'image'
  | 'audio'
  | 'transcription'
  | 'moderation'
  | 'rerank'
  | 'batch'
  | 'agent_run'
  | 'tool_call'

/** A handle type: what its members are and what calling them does. */
export interface SdkType {
  /** Property → type of the property (`chat` → the chat resource). */
  readonly members?: Readonly<Record<string, string>>
  /** Method → the request it sends. */
  readonly calls?: Readonly<Record<string, Operation>>
  /** Method → the handle type it returns without sending a request (`bindTools`, `getGenerativeModel`). */
  readonly factories?: Readonly<Record<string, string>>
}

/** One export of a library module. */
export interface SdkExport {
  /** `new X()` (or `X()`) yields a handle of this type. */
  readonly construct?: string
  /** Calling the export sends a request (`generateText`). */
  readonly call?: Operation
  /** Calling the export returns a handle of this type without a request (`initChatModel`). */
  readonly returns?: string
  /** The export is itself a handle (`import ollama from 'ollama'`). */
  readonly instance?: string
  /** Calling it returns a model id handle: its first string argument is a model id (`openai('gpt-4o')`). */
  readonly modelFactory?: true
  /** An MCP client transport; its arguments name the server. */
  readonly mcpTransport?: 'stdio' | 'http'
}

/** One AI library as the scanner reports it. */
export interface SdkLibrary {
  /** The name in findings and the BOM (`openai`, `@anthropic-ai/sdk`, `ai`). */
  readonly name: string
  /** The npm packages whose version the BOM reports. */
  readonly packages: readonly string[]
  /** Whether a module specifier belongs to this library. */
  readonly matches: (specifier: string) => boolean
  /** Export name → meaning. */
  readonly exports: (name: string) => SdkExport | undefined
  readonly types: Readonly<Record<string, SdkType>>
}

const OPENAI_RESOURCES: Record<string, SdkType> = {
  OpenAIClient: {
    members: {
      chat: 'Chat',
      responses: 'Responses',
      completions: 'Completions',
      embeddings: 'Embeddings',
      images: 'Images',
      audio: 'Audio',
      moderations: 'Moderations',
      beta: 'Beta',
      batches: 'Batches',
    },
    factories: { withOptions: 'OpenAIClient' },
  },
  Chat: { members: { completions: 'ChatCompletions' } },
  ChatCompletions: {
    calls: { create: 'chat', parse: 'structured_output', stream: 'chat', runTools: 'chat' },
  },
  Responses: { calls: { create: 'chat', parse: 'structured_output', stream: 'chat' } },
  Completions: { calls: { create: 'completion' } },
  Embeddings: { calls: { create: 'embeddings' } },
  Images: { calls: { generate: 'image', edit: 'image', createVariation: 'image' } },
  Audio: { members: { transcriptions: 'Transcriptions', translations: 'Transcriptions', speech: 'Speech' } },
  Transcriptions: { calls: { create: 'transcription' } },
  Speech: { calls: { create: 'audio' } },
  Moderations: { calls: { create: 'moderation' } },
  Batches: { calls: { create: 'batch' } },
  Beta: { members: { chat: 'BetaChat', threads: 'Threads' } },
  BetaChat: { members: { completions: 'ChatCompletions' } },
  Threads: {
    members: { runs: 'Runs' },
    calls: { createAndRun: 'chat', createAndRunPoll: 'chat', createAndRunStream: 'chat' },
  },
  Runs: { calls: { create: 'chat', createAndPoll: 'chat', stream: 'chat', createAndStream: 'chat' } },
}

const ANTHROPIC_RESOURCES: Record<string, SdkType> = {
  AnthropicClient: {
    members: { messages: 'Messages', completions: 'Completions', beta: 'Beta' },
    factories: { withOptions: 'AnthropicClient' },
  },
  Messages: {
    members: { batches: 'Batches' },
    calls: { create: 'chat', stream: 'chat', parse: 'structured_output' },
  },
  Batches: { calls: { create: 'batch' } },
  Completions: { calls: { create: 'completion' } },
  Beta: { members: { messages: 'BetaMessages' } },
  BetaMessages: {
    members: { batches: 'Batches' },
    calls: { create: 'chat', stream: 'chat', parse: 'structured_output', toolRunner: 'chat' },
  },
}

const LANGCHAIN_TYPES: Record<string, SdkType> = {
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
}

function llamaindexExport(name: string): SdkExport | undefined {
  if (name === 'Settings') return { instance: 'Settings' }
  if (/Embedding$/.test(name) && /^[A-Z]/.test(name) && name !== 'BaseEmbedding')
    return { construct: 'Embedding' }
  if (LLAMAINDEX_LLMS.test(name) && name !== 'BaseLLM' && name !== 'ToolCallLLM') return { construct: 'LLM' }
  if (/^(openai|anthropic|ollama|gemini|groq|mistral)$/.test(name)) return { returns: 'LLM' }
  return undefined
}

const table =
  (entries: Record<string, SdkExport>) =>
  (name: string): SdkExport | undefined =>
    Object.hasOwn(entries, name) ? entries[name] : undefined

const exact =
  (...specifiers: string[]) =>
  (specifier: string): boolean =>
    specifiers.some((candidate) => specifier === candidate || specifier.startsWith(`${candidate}/`))

/** Every library the scanner recognises, in match order (more specific first). */
export const SDK_LIBRARIES: readonly SdkLibrary[] = [
  {
    name: '@openai/agents',
    packages: ['@openai/agents', '@openai/agents-core', '@openai/agents-openai'],
    matches: exact('@openai/agents', '@openai/agents-core', '@openai/agents-openai'),
    exports: table({ run: { call: 'agent_run' }, Runner: { construct: 'Runner' } }),
    types: { Runner: { calls: { run: 'agent_run' } } },
  },
  {
    name: '@azure/openai',
    packages: ['@azure/openai'],
    matches: exact('@azure/openai'),
    exports: table({
      OpenAIClient: { construct: 'AzureClient' },
      AzureOpenAI: { construct: 'OpenAIClient' },
    }),
    types: {
      ...OPENAI_RESOURCES,
      AzureClient: {
        calls: {
          getChatCompletions: 'chat',
          streamChatCompletions: 'chat',
          getCompletions: 'completion',
          streamCompletions: 'completion',
          getEmbeddings: 'embeddings',
          getImages: 'image',
          getAudioTranscription: 'transcription',
          getAudioTranslation: 'transcription',
          getAudioSpeech: 'audio',
        },
      },
    },
  },
  {
    name: 'openai',
    packages: ['openai'],
    matches: exact('openai'),
    exports: table({
      default: { construct: 'OpenAIClient' },
      OpenAI: { construct: 'OpenAIClient' },
      AzureOpenAI: { construct: 'OpenAIClient' },
    }),
    types: OPENAI_RESOURCES,
  },
  {
    name: '@anthropic-ai/sdk',
    packages: ['@anthropic-ai/sdk', '@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk'],
    matches: exact('@anthropic-ai/sdk', '@anthropic-ai/bedrock-sdk', '@anthropic-ai/vertex-sdk'),
    exports: table({
      default: { construct: 'AnthropicClient' },
      Anthropic: { construct: 'AnthropicClient' },
      AnthropicBedrock: { construct: 'AnthropicClient' },
      AnthropicVertex: { construct: 'AnthropicClient' },
    }),
    types: ANTHROPIC_RESOURCES,
  },
  {
    name: 'ai',
    packages: ['ai'],
    matches: exact('ai'),
    exports: table({
      generateText: { call: 'chat' },
      streamText: { call: 'chat' },
      generateObject: { call: 'structured_output' },
      streamObject: { call: 'structured_output' },
      embed: { call: 'embeddings' },
      embedMany: { call: 'embeddings' },
      generateImage: { call: 'image' },
      experimental_generateImage: { call: 'image' },
      transcribe: { call: 'transcription' },
      experimental_transcribe: { call: 'transcription' },
      generateSpeech: { call: 'audio' },
      experimental_generateSpeech: { call: 'audio' },
      ToolLoopAgent: { construct: 'Agent' },
      Experimental_Agent: { construct: 'Agent' },
      Agent: { construct: 'Agent' },
    }),
    types: { Agent: { calls: { generate: 'chat', stream: 'chat' } } },
  },
  {
    name: '@ai-sdk/provider',
    packages: [],
    matches: (specifier) => specifier.startsWith('@ai-sdk/'),
    exports: (name) =>
      /^[a-z][A-Za-z]*$/.test(name) && !name.startsWith('create') ? { modelFactory: true } : undefined,
    types: {},
  },
  {
    name: 'langchain',
    packages: ['langchain', '@langchain/core'],
    matches: (specifier) =>
      specifier === 'langchain' ||
      specifier.startsWith('langchain/') ||
      (specifier.startsWith('@langchain/') &&
        !NOT_LANGCHAIN_MODELS.has(specifier.split('/').slice(0, 2).join('/'))),
    exports: (name) => (name === 'initChatModel' ? { returns: 'ChatModel' } : langchainExport(name)),
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
    name: '@google/genai',
    packages: ['@google/genai'],
    matches: exact('@google/genai'),
    exports: table({ GoogleGenAI: { construct: 'Client' } }),
    types: {
      Client: { members: { models: 'Models', chats: 'Chats' } },
      Models: {
        calls: {
          generateContent: 'chat',
          generateContentStream: 'chat',
          embedContent: 'embeddings',
          generateImages: 'image',
          editImage: 'image',
          upscaleImage: 'image',
        },
      },
      Chats: { factories: { create: 'Chat' } },
      Chat: { calls: { sendMessage: 'chat', sendMessageStream: 'chat' } },
    },
  },
  {
    name: '@google/generative-ai',
    packages: ['@google/generative-ai'],
    matches: exact('@google/generative-ai'),
    exports: table({ GoogleGenerativeAI: { construct: 'Client' } }),
    types: {
      Client: { factories: { getGenerativeModel: 'Model', getGenerativeModelFromCachedContent: 'Model' } },
      Model: {
        calls: {
          generateContent: 'chat',
          generateContentStream: 'chat',
          embedContent: 'embeddings',
          batchEmbedContents: 'embeddings',
        },
        factories: { startChat: 'Chat' },
      },
      Chat: { calls: { sendMessage: 'chat', sendMessageStream: 'chat' } },
    },
  },
  {
    name: '@mistralai/mistralai',
    packages: ['@mistralai/mistralai'],
    matches: exact('@mistralai/mistralai'),
    exports: table({ Mistral: { construct: 'Client' }, default: { construct: 'LegacyClient' } }),
    types: {
      Client: {
        members: { chat: 'Chat', fim: 'Chat', agents: 'Chat', embeddings: 'Embeddings', audio: 'Audio' },
      },
      Chat: { calls: { complete: 'chat', stream: 'chat', parse: 'structured_output' } },
      Embeddings: { calls: { create: 'embeddings' } },
      Audio: { members: { transcriptions: 'Transcriptions' } },
      Transcriptions: { calls: { complete: 'transcription', stream: 'transcription' } },
      LegacyClient: { calls: { chat: 'chat', chatStream: 'chat', embeddings: 'embeddings' } },
    },
  },
  {
    name: 'cohere-ai',
    packages: ['cohere-ai'],
    matches: exact('cohere-ai'),
    exports: table({ CohereClient: { construct: 'Client' }, CohereClientV2: { construct: 'Client' } }),
    types: {
      Client: {
        calls: {
          chat: 'chat',
          chatStream: 'chat',
          generate: 'completion',
          generateStream: 'completion',
          embed: 'embeddings',
          rerank: 'rerank',
        },
      },
    },
  },
  {
    name: 'groq-sdk',
    packages: ['groq-sdk'],
    matches: exact('groq-sdk'),
    exports: table({ default: { construct: 'OpenAIClient' }, Groq: { construct: 'OpenAIClient' } }),
    types: OPENAI_RESOURCES,
  },
  {
    name: 'ollama',
    packages: ['ollama'],
    matches: exact('ollama'),
    exports: table({ default: { instance: 'Client' }, Ollama: { construct: 'Client' } }),
    types: {
      Client: {
        calls: { chat: 'chat', generate: 'completion', embed: 'embeddings', embeddings: 'embeddings' },
      },
    },
  },
  {
    name: '@modelcontextprotocol/sdk',
    packages: ['@modelcontextprotocol/sdk'],
    matches: exact('@modelcontextprotocol/sdk'),
    exports: table({
      Client: { construct: 'McpClient' },
      StdioClientTransport: { mcpTransport: 'stdio' },
      StreamableHTTPClientTransport: { mcpTransport: 'http' },
      SSEClientTransport: { mcpTransport: 'http' },
      WebSocketClientTransport: { mcpTransport: 'http' },
    }),
    types: { McpClient: { calls: { callTool: 'tool_call' } } },
  },
]

/** The library a module specifier belongs to, if any. */
export function libraryForSpecifier(specifier: string): SdkLibrary | undefined {
  for (const library of SDK_LIBRARIES) if (library.matches(specifier)) return library
  return undefined
}

/** Finds a library by its reported name. */
export function libraryByName(name: string): SdkLibrary | undefined {
  return SDK_LIBRARIES.find((library) => library.name === name)
}

/**
 * The text pre-filter: a file none of whose text matches cannot import an AI SDK, so it is not
 * parsed (it can still reach one through a project import, which the scanner follows separately).
 */
export const SDK_TEXT_PATTERN: RegExp =
  /openai|anthropic|["'`]ai(?:\/[\w-]+)?["'`]|@ai-sdk\/|langchain|llamaindex|@google\/gen|mistralai|cohere-ai|groq-sdk|ollama|@modelcontextprotocol\//

/**
 * Three-segment member paths that only AI SDK clients have, for the low-confidence heuristic on
 * receivers the scanner cannot resolve (a client passed in untyped from another package).
 */
export const HEURISTIC_PATHS: ReadonlyMap<string, { library: string; operation: Operation }> = new Map([
  ['chat.completions.create', { library: 'openai', operation: 'chat' }],
  ['chat.completions.parse', { library: 'openai', operation: 'structured_output' }],
  ['chat.completions.stream', { library: 'openai', operation: 'chat' }],
  ['responses.create', { library: 'openai', operation: 'chat' }],
  ['responses.stream', { library: 'openai', operation: 'chat' }],
  ['embeddings.create', { library: 'openai', operation: 'embeddings' }],
  ['images.generate', { library: 'openai', operation: 'image' }],
  ['audio.transcriptions.create', { library: 'openai', operation: 'transcription' }],
  ['messages.create', { library: '@anthropic-ai/sdk', operation: 'chat' }],
  ['messages.stream', { library: '@anthropic-ai/sdk', operation: 'chat' }],
  ['models.generateContent', { library: '@google/genai', operation: 'chat' }],
  ['models.generateContentStream', { library: '@google/genai', operation: 'chat' }],
])

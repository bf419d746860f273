import { exact, type Operation, type SdkLibrary, type SdkType, table } from './catalog-types'

/**
 * Model providers' own SDKs: the client each exports, the resources on it and the methods that send
 * a request. Hosted-model platforms (Replicate, fal, Hugging Face) and agent SDKs that run a provider's
 * agent for the app (`@openai/agents`, the Claude Agent SDK) are here too.
 */

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

/** openai 3.x's `OpenAIApi`, still in older apps: one method per request. */
const OPENAI_V3_CALLS: Record<string, Operation> = {
  createChatCompletion: 'chat',
  createCompletion: 'completion',
  createEmbedding: 'embeddings',
  createImage: 'image',
  createImageEdit: 'image',
  createImageVariation: 'image',
  createTranscription: 'transcription',
  createTranslation: 'transcription',
  createModeration: 'moderation',
}

const TOGETHER_RESOURCES: Record<string, SdkType> = {
  ...OPENAI_RESOURCES,
  OpenAIClient: {
    members: {
      chat: 'Chat',
      completions: 'Completions',
      embeddings: 'Embeddings',
      images: 'Images',
      audio: 'Audio',
      rerank: 'Rerank',
      videos: 'Videos',
      batches: 'Batches',
    },
  },
  Images: { calls: { generate: 'image', create: 'image' } },
  Rerank: { calls: { create: 'rerank' } },
  Videos: { calls: { create: 'video' } },
}

/** The Bedrock runtime's commands that run a model, for `client.send(command)`. */
const BEDROCK_COMMANDS: Record<string, Operation> = {
  ConverseCommand: 'chat',
  ConverseStreamCommand: 'chat',
  InvokeModelCommand: 'inference',
  InvokeModelWithResponseStreamCommand: 'inference',
  InvokeModelWithBidirectionalStreamCommand: 'inference',
  StartAsyncInvokeCommand: 'inference',
}

/** The Bedrock agent runtime's commands that run an agent or a model. */
const BEDROCK_AGENT_COMMANDS: Record<string, Operation> = {
  InvokeAgentCommand: 'agent_run',
  InvokeInlineAgentCommand: 'agent_run',
  InvokeFlowCommand: 'agent_run',
  RetrieveAndGenerateCommand: 'chat',
  RetrieveAndGenerateStreamCommand: 'chat',
}

/** `@huggingface/inference`: the client's task methods, also exported as functions. */
const HUGGING_FACE_TASKS: Record<string, Operation> = {
  chatCompletion: 'chat',
  chatCompletionStream: 'chat',
  textGeneration: 'completion',
  textGenerationStream: 'completion',
  featureExtraction: 'embeddings',
  sentenceSimilarity: 'embeddings',
  textToImage: 'image',
  imageToImage: 'image',
  textToVideo: 'video',
  textToSpeech: 'audio',
  automaticSpeechRecognition: 'transcription',
  summarization: 'completion',
  translation: 'completion',
  questionAnswering: 'completion',
  textClassification: 'inference',
  tokenClassification: 'inference',
  zeroShotClassification: 'inference',
  imageClassification: 'inference',
  objectDetection: 'inference',
  imageToText: 'inference',
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

/** Provider SDKs, in match order (more specific first). */
export const PROVIDER_LIBRARIES: readonly SdkLibrary[] = [
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
      OpenAIApi: { construct: 'OpenAIApiV3' },
    }),
    types: { ...OPENAI_RESOURCES, OpenAIApiV3: { calls: OPENAI_V3_CALLS } },
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
      generateVideo: { call: 'video' },
      experimental_generateVideo: { call: 'video' },
      rerank: { call: 'rerank' },
      // ai/rsc
      streamUI: { call: 'chat' },
      // Run the agent they are given and stream its answer.
      createAgentUIStreamResponse: { call: 'agent_run' },
      createAgentUIStream: { call: 'agent_run' },
      pipeAgentUIStreamToResponse: { call: 'agent_run' },
      ToolLoopAgent: { construct: 'Agent' },
      Experimental_Agent: { construct: 'Agent' },
      Agent: { construct: 'Agent' },
    }),
    types: { Agent: { calls: { generate: 'chat', stream: 'chat' } } },
  },
  {
    name: '@ai-sdk/harness',
    packages: ['@ai-sdk/harness'],
    matches: exact('@ai-sdk/harness'),
    exports: table({ HarnessAgent: { construct: 'Agent' } }),
    types: { Agent: { calls: { generate: 'agent_run', stream: 'agent_run' } } },
  },
  {
    name: '@ai-sdk/workflow',
    packages: ['@ai-sdk/workflow'],
    matches: exact('@ai-sdk/workflow'),
    exports: table({ WorkflowAgent: { construct: 'Agent' } }),
    types: { Agent: { calls: { generate: 'agent_run', stream: 'agent_run' } } },
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
    name: 'together-ai',
    packages: ['together-ai'],
    matches: exact('together-ai'),
    exports: table({ default: { construct: 'OpenAIClient' }, Together: { construct: 'OpenAIClient' } }),
    types: TOGETHER_RESOURCES,
  },
  {
    name: '@aws-sdk/client-bedrock-runtime',
    packages: ['@aws-sdk/client-bedrock-runtime'],
    matches: exact('@aws-sdk/client-bedrock-runtime'),
    exports: (name) => {
      if (name === 'BedrockRuntimeClient') return { construct: 'Client' }
      if (name === 'BedrockRuntime') return { construct: 'AggregatedClient' }
      if (Object.hasOwn(BEDROCK_COMMANDS, name)) return { construct: name }
      return undefined
    },
    types: {
      Client: { sends: { send: BEDROCK_COMMANDS } },
      AggregatedClient: {
        sends: { send: BEDROCK_COMMANDS },
        calls: {
          converse: 'chat',
          converseStream: 'chat',
          invokeModel: 'inference',
          invokeModelWithResponseStream: 'inference',
          startAsyncInvoke: 'inference',
        },
      },
    },
  },
  {
    name: '@huggingface/inference',
    packages: ['@huggingface/inference'],
    matches: exact('@huggingface/inference'),
    exports: (name) => {
      if (name === 'InferenceClient' || name === 'HfInference' || name === 'InferenceClientEndpoint')
        return { construct: 'Client' }
      return Object.hasOwn(HUGGING_FACE_TASKS, name)
        ? { call: HUGGING_FACE_TASKS[name] as Operation }
        : undefined
    },
    types: { Client: { calls: HUGGING_FACE_TASKS, factories: { endpoint: 'Client' } } },
  },
  {
    name: 'replicate',
    packages: ['replicate'],
    matches: exact('replicate'),
    exports: table({ default: { construct: 'Client' }, Replicate: { construct: 'Client' } }),
    types: {
      Client: {
        members: { predictions: 'Predictions', models: 'Owner', deployments: 'Owner' },
        calls: { run: 'inference', stream: 'inference' },
      },
      Owner: { members: { predictions: 'Predictions' } },
      Predictions: { calls: { create: 'inference' } },
    },
  },
  {
    name: '@anthropic-ai/claude-agent-sdk',
    packages: ['@anthropic-ai/claude-agent-sdk', '@anthropic-ai/claude-code'],
    matches: exact('@anthropic-ai/claude-agent-sdk', '@anthropic-ai/claude-code'),
    exports: table({ query: { call: 'agent_run' } }),
    types: {},
  },
  {
    name: '@google-cloud/vertexai',
    packages: ['@google-cloud/vertexai'],
    matches: exact('@google-cloud/vertexai'),
    exports: table({ VertexAI: { construct: 'Client' } }),
    types: {
      Client: {
        members: { preview: 'Client' },
        factories: { getGenerativeModel: 'Model', getGenerativeModelFromCachedContent: 'Model' },
      },
      Model: {
        calls: { generateContent: 'chat', generateContentStream: 'chat' },
        factories: { startChat: 'Chat' },
      },
      Chat: { calls: { sendMessage: 'chat', sendMessageStream: 'chat' } },
    },
  },
  {
    name: '@aws-sdk/client-bedrock-agent-runtime',
    packages: ['@aws-sdk/client-bedrock-agent-runtime'],
    matches: exact('@aws-sdk/client-bedrock-agent-runtime'),
    exports: (name) => {
      if (name === 'BedrockAgentRuntimeClient') return { construct: 'Client' }
      if (Object.hasOwn(BEDROCK_AGENT_COMMANDS, name)) return { construct: name }
      return undefined
    },
    types: { Client: { sends: { send: BEDROCK_AGENT_COMMANDS } } },
  },
  {
    name: '@fal-ai/client',
    packages: ['@fal-ai/client'],
    matches: exact('@fal-ai/client', '@fal-ai/serverless-client'),
    exports: table({ fal: { instance: 'Fal' }, createFalClient: { returns: 'Fal' } }),
    types: {
      Fal: {
        members: { queue: 'Queue' },
        calls: { run: 'inference', subscribe: 'inference', stream: 'inference' },
      },
      Queue: { calls: { submit: 'inference' } },
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

/**
 * What the scanner knows about AI SDKs: which module specifiers belong to which library, what
 * each export is (a client constructor, a model-calling function, a factory), and which member
 * paths on a client send a model request. Everything is data, so adding an SDK is adding rows.
 */

import type { Operation, SdkLibrary } from './catalog-types'
import { FRAMEWORK_LIBRARIES } from './framework-catalog'
import { PROVIDER_LIBRARIES } from './provider-catalog'

export type { Operation, SdkExport, SdkLibrary, SdkType } from './catalog-types'

/** Every library the scanner recognises, in match order (more specific first). */
export const SDK_LIBRARIES: readonly SdkLibrary[] = [...PROVIDER_LIBRARIES, ...FRAMEWORK_LIBRARIES]

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
 * The member paths only AI clients have are here too, so the heuristic sees a client of an SDK
 * the catalog does not know.
 */
export const SDK_TEXT_PATTERN: RegExp =
  /openai|anthropic|["'`]ai(?:\/[\w-]+)?["'`]|@ai-sdk\/|langchain|llamaindex|@mastra\/|genkit|@google\/gen|mistralai|cohere-ai|groq-sdk|ollama|together-ai|client-bedrock-(?:agent-)?runtime|@huggingface\/inference|replicate|@google-cloud\/vertexai|@fal-ai\/|@modelcontextprotocol\/|chat\.completions\.|audio\.transcriptions\./

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

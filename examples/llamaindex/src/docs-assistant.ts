import { OpenAI, OpenAIEmbedding } from '@llamaindex/openai'
import type { Mima } from '@mima/core'
import { attachMima } from '@mima/integrations-llamaindex'
import { Document, MetadataMode, Settings, VectorStoreIndex } from 'llamaindex'

/** Where the example's models live (any OpenAI-compatible endpoint). */
export interface DocsAssistantOptions {
  readonly mima: Mima
  readonly openaiBaseUrl?: string
  readonly openaiApiKey: string
}

/**
 * A docs assistant on LlamaIndex: it indexes two documents, retrieves the closest one for a
 * question and asks the LLM. Mima attests the retrieval and the LLM call.
 */
export async function runDocsAssistant(options: DocsAssistantOptions): Promise<string> {
  const connection = {
    apiKey: options.openaiApiKey,
    ...(options.openaiBaseUrl === undefined ? {} : { baseURL: options.openaiBaseUrl }),
  }
  const detach = attachMima(Settings.callbackManager, { mima: options.mima })
  try {
    Settings.embedModel = new OpenAIEmbedding({ model: 'text-embedding-3-small', ...connection })
    const llm = new OpenAI({ model: 'gpt-4o-mini', ...connection })
    const index = await VectorStoreIndex.fromDocuments([
      new Document({ text: 'RFC 9162 specifies Certificate Transparency version 2.0.', id_: 'rfc-9162' }),
      new Document({ text: 'RFC 8785 specifies the JSON Canonicalization Scheme.', id_: 'rfc-8785' }),
    ])
    const [best] = await index
      .asRetriever({ similarityTopK: 1 })
      .retrieve({ query: 'What does RFC 9162 specify?' })
    const response = await llm.chat({
      messages: [
        {
          role: 'system',
          content: `Answer from this context: ${best?.node.getContent(MetadataMode.NONE) ?? ''}`,
        },
        { role: 'user', content: 'What does RFC 9162 specify?' },
      ],
    })
    await new Promise((resolve) => setTimeout(resolve, 0)) // LlamaIndex dispatches events in microtasks
    await options.mima.flush()
    return String(response.message.content)
  } finally {
    detach()
  }
}

import { type Mima, runAttested } from '@mima/core'
import type { EmbedParams, EmbedResult, WrappedModel } from './model-types'

/** An embedding-model middleware for `wrapEmbeddingModel` (`ai` 6 and 7). */
export interface MimaEmbeddingModelMiddleware {
  readonly specificationVersion: 'v3'
  wrapEmbed(options: {
    doEmbed: () => PromiseLike<EmbedResult>
    params: EmbedParams
    model: WrappedModel
  }): Promise<never>
}

const monotonic = (): number => performance.now()

/** Records every `embed` / `embedMany` call: hashes of the values and the vectors, model id, tokens. */
export function createEmbeddingModelMiddleware(
  mima: Mima,
  options: { readonly toolNamePrefix: string },
): MimaEmbeddingModelMiddleware {
  const toolName = `${options.toolNamePrefix}:embed`
  const guardContext = { toolName, systemName: mima.systemName }
  return {
    specificationVersion: 'v3',
    async wrapEmbed({ doEmbed, params, model }) {
      const startedAt = Date.now()
      const started = monotonic()
      const metadata: Record<string, unknown> = {
        framework: 'ai-sdk',
        provider: model.provider,
        values: params.values.length,
      }
      const base = { toolName, input: params.values, modelId: model.modelId, startedAt, metadata }
      let result: EmbedResult
      try {
        result = await runAttested(guardContext, doEmbed)
      } catch (error) {
        mima.record({
          ...base,
          durationMs: Math.round((monotonic() - started) * 1000) / 1000,
          errorType: error instanceof Error ? error.name : typeof error,
        })
        throw error
      }
      if (typeof result.usage?.tokens === 'number') metadata.usage = { input_tokens: result.usage.tokens }
      mima.record({
        ...base,
        output: result.embeddings,
        durationMs: Math.round((monotonic() - started) * 1000) / 1000,
      })
      return result as never
    },
  }
}

import type { GuardProvider } from '../guard/guard-options'

/** One patched method: where it lives under the SDK's client class and how it is reported. */
export interface SdkTarget {
  /** Static properties from the client class down to the resource class, e.g. `['Chat', 'Completions']`. */
  readonly path: readonly string[]
  /** The method that makes the call. Default `create`. */
  readonly method?: string
  /** The reported call name, e.g. `openai.chat.completions.create`. */
  readonly call: string
  /** The GenAI semantic-convention operation name. */
  readonly operation: string
  /**
   * Helper methods that reach `create` later (after a timer), so the caller's frame is gone by
   * then: they are wrapped only to remember the call site.
   */
  readonly helpers: readonly string[]
}

/** The client class's export name and the methods the guard patches, per provider. */
export const SDK_TARGETS: Readonly<
  Record<GuardProvider, { readonly client: string; readonly targets: readonly SdkTarget[] }>
> = {
  openai: {
    client: 'OpenAI',
    targets: [
      {
        path: ['Chat', 'Completions'],
        call: 'openai.chat.completions.create',
        operation: 'chat',
        helpers: ['stream', 'runTools'],
      },
      { path: ['Responses'], call: 'openai.responses.create', operation: 'chat', helpers: ['stream'] },
      { path: ['Embeddings'], call: 'openai.embeddings.create', operation: 'embeddings', helpers: [] },
      { path: ['Completions'], call: 'openai.completions.create', operation: 'text_completion', helpers: [] },
      // Generation that is not text: no GenAI semantic-convention name fits better than this one.
      ...(['generate', 'edit', 'createVariation'] as const).map((method) => ({
        path: ['Images'],
        method,
        call: `openai.images.${method}`,
        operation: 'generate_content',
        helpers: [],
      })),
      ...(['Transcriptions', 'Translations', 'Speech'] as const).map((resource) => ({
        path: ['Audio', resource],
        call: `openai.audio.${resource.toLowerCase()}.create`,
        operation: 'generate_content',
        helpers: [],
      })),
      {
        path: ['Moderations'],
        call: 'openai.moderations.create',
        operation: 'generate_content',
        helpers: [],
      },
      // A batch job runs many model calls later, on the provider's side: submitting it is the call.
      { path: ['Batches'], call: 'openai.batches.create', operation: 'chat', helpers: [] },
    ],
  },
  anthropic: {
    client: 'Anthropic',
    targets: [
      { path: ['Messages'], call: 'anthropic.messages.create', operation: 'chat', helpers: ['stream'] },
      {
        path: ['Beta', 'Messages'],
        call: 'anthropic.beta.messages.create',
        operation: 'chat',
        helpers: ['stream', 'toolRunner'],
      },
      {
        path: ['Messages', 'Batches'],
        call: 'anthropic.messages.batches.create',
        operation: 'chat',
        helpers: [],
      },
      {
        path: ['Beta', 'Messages', 'Batches'],
        call: 'anthropic.beta.messages.batches.create',
        operation: 'chat',
        helpers: [],
      },
    ],
  },
}

/** The default package name of each provider's SDK. */
export const DEFAULT_SPECIFIERS: Readonly<Record<GuardProvider, string>> = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
}

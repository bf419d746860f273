import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GEMINI_PATH, geminiGenerateContent, message, streamMessage } from './fake-anthropic-gemini-answers'
import { sendJson } from './fake-llm-send'
import {
  answerWithToolCalls,
  chatCompletion,
  embeddings,
  includeUsage,
  responseObject,
  streamChatCompletion,
  streamResponse,
} from './fake-openai-answers'

/** One request the fake server received. */
export interface FakeLlmRequest {
  readonly method: string
  /** The path with its query string, e.g. `/v1/messages?beta=true`. */
  readonly path: string
  readonly headers: IncomingMessage['headers']
  /** The parsed JSON body (`undefined` when there was none or it was not JSON). */
  readonly body: Record<string, unknown> | undefined
}

/** A fake OpenAI + Anthropic HTTP API on 127.0.0.1, for driving the real SDKs in tests. */
export interface FakeLlmServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** What to pass as `baseURL` to `new OpenAI(...)` (includes `/v1`). */
  readonly openaiBaseUrl: string
  /** What to pass as `baseURL` to `new Anthropic(...)` (excludes `/v1`). */
  readonly anthropicBaseUrl: string
  /** Every request received so far, in order. */
  readonly requests: FakeLlmRequest[]
  /** Forgets the recorded requests. */
  reset(): void
  close(): Promise<void>
}

/** A function call the fake server answers with instead of text (see `toolCalls`). */
export interface FakeToolCall {
  readonly name: string
  /** The call's arguments: an object (sent as JSON text) or the JSON text itself. */
  readonly arguments: Readonly<Record<string, unknown>> | string
  /** The call id (`call_<n>` by default). */
  readonly id?: string
}

/** Options for {@link createFakeLlmServer}. */
export interface FakeLlmServerOptions {
  /** The text every completion answers with (`fake-reply` by default). */
  readonly reply?: string
  /**
   * Decides, per request body, whether a chat completion (streamed or not) or a Responses API call
   * answers with function calls instead of text (`finish_reason: 'tool_calls'`). Return nothing
   * (or an empty list) to answer with text.
   */
  readonly toolCalls?: (body: Record<string, unknown>) => readonly FakeToolCall[] | undefined
  /**
   * Streamed chat completions end with a usage chunk when the request asks for it
   * (`stream_options.include_usage`), as OpenAI does. Off by default.
   */
  readonly streamUsage?: boolean
}

/**
 * Requests whose `model` is this never get an answer (until the client gives up), which lets
 * tests exercise aborts and timeouts.
 */
export const HANGING_MODEL = 'fake-hang'

/**
 * Starts a fake LLM API answering the routes the real `openai` and `@anthropic-ai/sdk` clients
 * call: `POST /v1/chat/completions`, `/v1/completions`, `/v1/responses`, `/v1/embeddings` and
 * `/v1/messages` (also `?beta=true`), each with server-sent events when the body asks for
 * `stream: true`; and Gemini's `/v1beta/models/{model}:generateContent` and `:streamGenerateContent`.
 *
 * @example
 * ```ts
 * const server = await createFakeLlmServer()
 * const openai = new OpenAI({ apiKey: 'test', baseURL: server.openaiBaseUrl, maxRetries: 0 })
 * ```
 */
export async function createFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const reply = options.reply ?? 'fake-reply'
  const requests: FakeLlmRequest[] = []
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: Record<string, unknown> | undefined
      try {
        body = raw.length > 0 ? (JSON.parse(raw) as Record<string, unknown>) : undefined
      } catch {
        body = undefined
      }
      const path = request.url ?? '/'
      requests.push({ method: request.method ?? 'GET', path, headers: request.headers, body })
      if (body?.model === HANGING_MODEL) return // never answers; the client aborts
      if (
        answerWithToolCalls(
          request.method ?? 'GET',
          path.split('?')[0] ?? path,
          body ?? {},
          options,
          response,
        )
      )
        return
      route(request.method ?? 'GET', path.split('?')[0] ?? path, body ?? {}, reply, response)
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    reset: () => {
      requests.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function route(
  method: string,
  path: string,
  body: Record<string, unknown>,
  reply: string,
  response: ServerResponse,
): void {
  const model = typeof body.model === 'string' ? body.model : 'fake-model'
  const stream = body.stream === true
  if (method !== 'POST') {
    sendJson(response, 404, { error: { message: `no route ${method} ${path}` } })
    return
  }
  if (path === '/v1/chat/completions') {
    if (stream) streamChatCompletion(response, model, reply, includeUsage(body))
    else sendJson(response, 200, chatCompletion(model, reply))
  } else if (path === '/v1/completions') {
    sendJson(response, 200, {
      id: 'cmpl_fake',
      object: 'text_completion',
      created: 1,
      model,
      choices: [{ index: 0, text: reply, finish_reason: 'stop', logprobs: null }],
    })
  } else if (path === '/v1/responses') {
    if (stream) streamResponse(response, model, reply)
    else sendJson(response, 200, responseObject(model, reply))
  } else if (path === '/v1/embeddings') {
    sendJson(response, 200, embeddings(body, model))
  } else if (path === '/v1/messages') {
    if (stream) streamMessage(response, model, reply)
    else sendJson(response, 200, message(model, reply))
  } else if (path.startsWith('/v1/images/')) {
    // generations (JSON), edits and variations (multipart): one tiny base64 image either way.
    sendJson(response, 200, { created: 1, data: [{ b64_json: 'aW1hZ2U=' }] })
  } else if (path === '/v1/audio/transcriptions' || path === '/v1/audio/translations') {
    sendJson(response, 200, { text: reply })
  } else if (path === '/v1/audio/speech') {
    const audio = Buffer.from('fake-audio')
    response.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': audio.length })
    response.end(audio)
  } else if (path === '/v1/moderations') {
    sendJson(response, 200, {
      id: 'modr_fake',
      model,
      results: [{ flagged: false, categories: {}, category_scores: {} }],
    })
  } else if (path === '/v1/batches') {
    sendJson(response, 200, {
      id: 'batch_fake',
      object: 'batch',
      endpoint: body.endpoint,
      status: 'validating',
    })
  } else if (path === '/v1/messages/batches') {
    sendJson(response, 200, { id: 'msgbatch_fake', type: 'message_batch', processing_status: 'in_progress' })
  } else if (GEMINI_PATH.test(path)) {
    geminiGenerateContent(response, path, reply)
  } else {
    sendJson(response, 404, { error: { type: 'not_found_error', message: `no route ${path}` } })
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

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

// Google Gemini (`@google/genai`): `POST /v1beta/models/{model}:generateContent`, and
// `:streamGenerateContent` answered as server-sent events (the client asks with `?alt=sse`).
const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

function geminiGenerateContent(response: ServerResponse, path: string, reply: string): void {
  const [, model, method] = GEMINI_PATH.exec(path) ?? []
  const answer = {
    candidates: [{ content: { role: 'model', parts: [{ text: reply }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    modelVersion: model,
  }
  if (method !== 'streamGenerateContent') {
    sendJson(response, 200, answer)
    return
  }
  response.writeHead(200, { 'content-type': 'text/event-stream' })
  response.end(`data: ${JSON.stringify(answer)}\r\n\r\n`)
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': 'req_fake',
    'request-id': 'req_fake',
  })
  response.end(text)
}

function sendEvents(
  response: ServerResponse,
  events: ReadonlyArray<readonly [string | undefined, unknown]>,
): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': 'req_fake',
  })
  for (const [name, data] of events) {
    const payload = typeof data === 'string' ? data : JSON.stringify(data)
    response.write(`${name === undefined ? '' : `event: ${name}\n`}data: ${payload}\n\n`)
  }
  response.end()
}

function chatCompletion(model: string, reply: string): unknown {
  return {
    id: 'chatcmpl_fake',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  }
}

// `stream_options.include_usage`: the real API then ends the stream with a chunk carrying usage
// and no choices (the usage numbers match the non-streaming answer's).
function includeUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined
  return options?.include_usage === true
}

function streamChatCompletion(
  response: ServerResponse,
  model: string,
  reply: string,
  withUsage = false,
): void {
  const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
    id: 'chatcmpl_fake',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  })
  const half = Math.ceil(reply.length / 2)
  sendEvents(response, [
    [undefined, chunk({ role: 'assistant', content: '' }, null)],
    [undefined, chunk({ content: reply.slice(0, half) }, null)],
    [undefined, chunk({ content: reply.slice(half) }, null)],
    [undefined, chunk({}, 'stop')],
    ...(withUsage
      ? [
          [
            undefined,
            {
              id: 'chatcmpl_fake',
              object: 'chat.completion.chunk',
              created: 1,
              model,
              choices: [],
              usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
            },
          ] as const,
        ]
      : []),
    [undefined, '[DONE]'],
  ])
}

function responseObject(
  model: string,
  reply: string,
  status = 'completed',
  text = reply,
): Record<string, unknown> {
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1,
    status,
    model,
    output:
      status === 'completed'
        ? [
            {
              type: 'message',
              id: 'msg_fake',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [] }],
            },
          ]
        : [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
  }
}

function streamResponse(response: ServerResponse, model: string, reply: string): void {
  const item = { type: 'message', id: 'msg_fake', status: 'in_progress', role: 'assistant', content: [] }
  const part = { type: 'output_text', text: '', annotations: [] }
  let sequence = 0
  const event = (type: string, data: Record<string, unknown>): readonly [string, unknown] => [
    type,
    { type, sequence_number: sequence++, ...data },
  ]
  sendEvents(response, [
    event('response.created', { response: responseObject(model, reply, 'in_progress') }),
    event('response.output_item.added', { output_index: 0, item }),
    event('response.content_part.added', { output_index: 0, content_index: 0, item_id: 'msg_fake', part }),
    event('response.output_text.delta', {
      output_index: 0,
      content_index: 0,
      item_id: 'msg_fake',
      delta: reply,
    }),
    event('response.output_text.done', {
      output_index: 0,
      content_index: 0,
      item_id: 'msg_fake',
      text: reply,
    }),
    event('response.content_part.done', {
      output_index: 0,
      content_index: 0,
      item_id: 'msg_fake',
      part: { ...part, text: reply },
    }),
    event('response.output_item.done', {
      output_index: 0,
      item: { ...item, status: 'completed', content: [{ ...part, text: reply }] },
    }),
    event('response.completed', { response: responseObject(model, reply) }),
  ])
}

function embeddings(body: Record<string, unknown>, model: string): unknown {
  const inputs = Array.isArray(body.input) ? body.input : [body.input]
  const vector = [0.25, -0.5, 1]
  const base64 = Buffer.from(new Float32Array(vector).buffer).toString('base64')
  return {
    object: 'list',
    model,
    data: inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? base64 : vector,
    })),
    usage: { prompt_tokens: 1, total_tokens: 1 },
  }
}

function message(model: string, reply: string): unknown {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: reply }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 2 },
  }
}

function streamMessage(response: ServerResponse, model: string, reply: string): void {
  const start = { ...(message(model, '') as Record<string, unknown>), content: [], stop_reason: null }
  sendEvents(response, [
    ['message_start', { type: 'message_start', message: start }],
    [
      'content_block_start',
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ],
    [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: reply } },
    ],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 2 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ])
}

let toolCallCounter = 0

/** Answers a chat completion or Responses call with function calls when `options.toolCalls` asks to. */
function answerWithToolCalls(
  method: string,
  path: string,
  body: Record<string, unknown>,
  options: FakeLlmServerOptions,
  response: ServerResponse,
): boolean {
  if (method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/responses')) return false
  if (path === '/v1/chat/completions' && body.stream === true && options.streamUsage) {
    const asked = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
    if (asked && !(options.toolCalls?.(body)?.length ?? 0)) {
      streamChatCompletionWithUsage(
        response,
        typeof body.model === 'string' ? body.model : 'fake-model',
        options.reply ?? 'fake-reply',
      )
      return true
    }
  }
  const calls = options.toolCalls?.(body)
  if (calls === undefined || calls.length === 0) return false
  const model = typeof body.model === 'string' ? body.model : 'fake-model'
  const normalised = calls.map((call) => ({
    id: call.id ?? `call_${++toolCallCounter}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }))
  if (path === '/v1/responses') {
    sendJson(response, 200, {
      ...responseObject(model, ''),
      output: normalised.map((call) => ({
        type: 'function_call',
        id: `fc_${call.id}`,
        call_id: call.id,
        name: call.name,
        arguments: call.arguments,
        status: 'completed',
      })),
    })
    return true
  }
  const toolCalls = normalised.map((call, index) => ({
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }))
  if (body.stream !== true) {
    sendJson(response, 200, {
      id: 'chatcmpl_fake',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: toolCalls.map(({ index: _index, ...call }) => call),
          },
          finish_reason: 'tool_calls',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    })
    return true
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
    id: 'chatcmpl_fake',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  })
  sendEvents(response, [
    [undefined, chunk({ role: 'assistant', content: null, tool_calls: toolCalls }, null)],
    [undefined, chunk({}, 'tool_calls')],
    [undefined, '[DONE]'],
  ])
  return true
}

function streamChatCompletionWithUsage(response: ServerResponse, model: string, reply: string): void {
  const chunk = (delta: Record<string, unknown>, finish: string | null): unknown => ({
    id: 'chatcmpl_fake',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  })
  sendEvents(response, [
    [undefined, chunk({ role: 'assistant', content: reply }, null)],
    [undefined, chunk({}, 'stop')],
    [
      undefined,
      {
        id: 'chatcmpl_fake',
        object: 'chat.completion.chunk',
        created: 1,
        model,
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
    ],
    [undefined, '[DONE]'],
  ])
}

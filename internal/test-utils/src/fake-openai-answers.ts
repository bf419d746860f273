import type { ServerResponse } from 'node:http'
import { sendEvents, sendJson } from './fake-llm-send'
import type { FakeLlmServerOptions } from './fake-llm-server'

// The OpenAI API's answers (chat completions, Responses, embeddings, function calls), as the
// real `openai` client expects them.

export function chatCompletion(model: string, reply: string): unknown {
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
export function includeUsage(body: Record<string, unknown>): boolean {
  const options = body.stream_options as { include_usage?: unknown } | undefined
  return options?.include_usage === true
}

export function streamChatCompletion(
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

export function responseObject(
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

export function streamResponse(response: ServerResponse, model: string, reply: string): void {
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

export function embeddings(body: Record<string, unknown>, model: string): unknown {
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

let toolCallCounter = 0

/** Answers a chat completion or Responses call with function calls when `options.toolCalls` asks to. */
export function answerWithToolCalls(
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

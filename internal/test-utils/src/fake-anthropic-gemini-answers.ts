import type { ServerResponse } from 'node:http'
import { sendEvents, sendJson } from './fake-llm-send'

// Anthropic's Messages API and Google Gemini's generateContent, as their SDKs expect them.

export function message(model: string, reply: string): unknown {
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

export function streamMessage(response: ServerResponse, model: string, reply: string): void {
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

// Google Gemini (`@google/genai`): `POST /v1beta/models/{model}:generateContent`, and
// `:streamGenerateContent` answered as server-sent events (the client asks with `?alt=sse`).
export const GEMINI_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

export function geminiGenerateContent(response: ServerResponse, path: string, reply: string): void {
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

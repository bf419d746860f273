import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enableGuard, flushGuardReports } from '@mima/guard'
import OpenAI from 'openai'
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })
const fetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
const client = new OpenAI({ apiKey: 'k', baseURL: 'https://api.openai.com/v1', fetch, maxRetries: 0 })
const req = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
const dir = mkdtempSync(join(tmpdir(), 'g-'))
enableGuard({ mode: 'report', logPath: join(dir, 'log.jsonl'), socketPath: join(dir, 'none.sock') })
for (let i = 0; i < 20000; i++) await client.chat.completions.create(req)
await flushGuardReports()

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { enableGuard, disableGuard, flushGuardReports } from '@mima/guard'
import OpenAI from 'openai'
const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })
const fetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
const client = new OpenAI({ apiKey: 'k', baseURL: 'https://api.openai.com/v1', fetch, maxRetries: 0 })
const req = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }
const N = Number(process.env.N || 5000)
async function time() { const t = performance.now(); for (let i = 0; i < N; i++) await client.chat.completions.create(req); return ((performance.now() - t) * 1000) / N }
const dir = mkdtempSync(join(tmpdir(), 'g-'))
for (let r = 0; r < 3; r++) {
  const plain = await time()
  enableGuard({ mode: 'report', logPath: join(dir, 'log.jsonl'), socketPath: join(dir, 'none.sock') })
  const guarded = await time()
  await flushGuardReports()
  await disableGuard()
  console.log(`plain ${plain.toFixed(1)} µs, report ${guarded.toFixed(1)} µs, added ${(guarded - plain).toFixed(1)} µs`)
}

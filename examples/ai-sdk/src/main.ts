import { createMima } from '@mima/core'
import { runSupportAgent } from './support-agent.js'

// MIMA_API_KEY, MIMA_BASE_URL, MIMA_WORKSPACE_ID configure Mima; OPENAI_API_KEY (and OPENAI_BASE_URL
// for a local or compatible endpoint) the model.
const mima = createMima({ systemName: 'support-agent' })
try {
  const { answer, streamed } = await runSupportAgent({
    mima,
    openaiApiKey: process.env.OPENAI_API_KEY ?? '',
    ...(process.env.OPENAI_BASE_URL ? { openaiBaseUrl: process.env.OPENAI_BASE_URL } : {}),
  })
  console.log(`answer: ${answer}\nthank-you note: ${streamed}`)
} finally {
  await mima.close()
}

import { createMima } from '@mima/core'
import { runResearchAssistant } from './research-assistant.js'

// MIMA_API_KEY, MIMA_BASE_URL, MIMA_WORKSPACE_ID configure Mima; OPENAI_API_KEY (and OPENAI_BASE_URL
// for a local or compatible endpoint) the model.
const mima = createMima({ systemName: 'research-assistant' })
try {
  const { summary, citation } = await runResearchAssistant({
    mima,
    openaiApiKey: process.env.OPENAI_API_KEY ?? '',
    ...(process.env.OPENAI_BASE_URL ? { openaiBaseUrl: process.env.OPENAI_BASE_URL } : {}),
  })
  console.log(`${summary}\n— ${citation}`)
} finally {
  await mima.close()
}

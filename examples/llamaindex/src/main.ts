import { createMima } from '@mima/core'
import { runDocsAssistant } from './docs-assistant.js'

// MIMA_API_KEY, MIMA_BASE_URL, MIMA_WORKSPACE_ID configure Mima; OPENAI_API_KEY (and OPENAI_BASE_URL)
// the models.
const mima = createMima({ systemName: 'docs-assistant' })
try {
  console.log(
    await runDocsAssistant({
      mima,
      openaiApiKey: process.env.OPENAI_API_KEY ?? '',
      ...(process.env.OPENAI_BASE_URL ? { openaiBaseUrl: process.env.OPENAI_BASE_URL } : {}),
    }),
  )
} finally {
  await mima.close()
}

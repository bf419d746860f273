import { createMima } from '@mima/core'
import { runRefundAgent } from './refund-agent.js'

// MIMA_API_KEY, MIMA_BASE_URL, MIMA_WORKSPACE_ID configure Mima; OPENAI_API_KEY (and OPENAI_BASE_URL)
// the model. The refund waits until someone approves it in the Mima dashboard.
const mima = createMima({ systemName: 'refund-agent' })
try {
  console.log(
    await runRefundAgent({
      mima,
      openaiApiKey: process.env.OPENAI_API_KEY ?? '',
      ...(process.env.OPENAI_BASE_URL ? { openaiBaseUrl: process.env.OPENAI_BASE_URL } : {}),
    }),
  )
} finally {
  await mima.close()
}

// Load generator for bench/server's push-latency figures, run as a SEPARATE PROCESS
// (child_process.fork) so that the 16 clients do not share the server's event loop, as in a real
// deployment. Receives { url, headers, clients, perClient, warmup } over IPC, answers with the
// sorted latencies (ms) of the measured pushes. With `intervalMs`, each client starts a push every
// `intervalMs` (a fixed offered rate, as agents that attest now and then) instead of back to back.
import { randomBytes } from 'node:crypto'
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
function request(url, body, headers) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body)
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
      },
    )
    req.on('error', reject)
    req.write(payload)
    req.end()
  })
}

let counter = 0
function attestation() {
  counter += 1
  return {
    system_name: 'bench-system',
    agent_name: 'bench-agent',
    tool_name: `tool-${counter % 17}`,
    input_hash: randomBytes(32).toString('hex'),
    output_hash: randomBytes(32).toString('hex'),
    schema_version: 2,
    model_id: 'gpt-bench',
    executed_at: new Date().toISOString(),
    authorised_by: { identity: 'bench@example.com', role: 'engineer' },
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function run({ url, headers, clients, perClient, intervalMs = 0 }) {
  const latencies = []
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      // Spread the clients' start times over one interval so paced pushes do not arrive in bursts.
      if (intervalMs > 0) await sleep((intervalMs * client) / clients)
      const first = performance.now()
      for (let index = 0; index < perClient; index += 1) {
        if (intervalMs > 0) {
          const due = first + index * intervalMs
          const wait = due - performance.now()
          if (wait > 0) await sleep(wait)
        }
        const body = JSON.stringify(attestation())
        const started = performance.now()
        const response = await request(url, body, headers)
        latencies.push(performance.now() - started)
        if (response.status >= 300)
          throw new Error(`push failed: ${response.status} ${response.text.slice(0, 200)}`)
      }
    }),
  )
  return latencies.sort((a, b) => a - b)
}

process.on('message', async (job) => {
  try {
    if (job.warmup > 0) await run({ ...job, perClient: job.warmup })
    const latencies = await run(job)
    process.send({ latencies })
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) })
  }
})

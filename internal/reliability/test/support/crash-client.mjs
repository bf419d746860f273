// One client process of the crash test: sends `batches` batches of `size` attestations, each with
// its own Idempotency-Key, retrying every failure (connection refused or reset while the server is
// killed, 5xx, 429) until the batch is acknowledged. Prints one JSON line per acknowledged batch.
const [url, key, workspaceId, clientId, batches, size] = process.argv.slice(2)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
for (let batch = 0; batch < Number(batches); batch += 1) {
  const records = Array.from({ length: Number(size) }, (_, index) => ({
    system_name: 'crash',
    tool_name: `c${clientId}-b${batch}-r${index}`,
    input_hash: 'f'.repeat(64),
    output_hash: 'f'.repeat(64),
  }))
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await fetch(`${url}/api/workspaces/${workspaceId}/governance/attestations/batch`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': `crash-c${clientId}-b${batch}`,
        },
        body: JSON.stringify({ records }),
        signal: AbortSignal.timeout(10_000),
      })
      if (response.status === 200) {
        const body = await response.json()
        const ids = body.results.map((result) => result.attestation_id)
        process.stdout.write(`${JSON.stringify({ client: clientId, batch, ids })}\n`)
        break
      }
      await response.text()
    } catch {
      // the server is down (killed) or the connection was reset: retry
    }
    await sleep(Math.min(50 * (attempt + 1), 500))
  }
}

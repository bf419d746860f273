// What bench/server's parts share: one keep-alive HTTP client (the same for the baseline and the
// server) and number formatting.
import http from 'node:http'

export const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
export function request(url, { method = 'POST', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body)
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      },
      (res) => {
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }))
      },
    )
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}
export async function json(url, options) {
  const response = await request(url, options)
  if (response.status >= 300)
    throw new Error(`${options?.method ?? 'POST'} ${url}: ${response.status} ${response.text}`)
  return JSON.parse(response.text)
}

/** `value` with thousands separators and `digits` decimals. */
export const fmt = (value, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

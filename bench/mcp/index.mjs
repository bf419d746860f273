// bench/mcp: the latency `mima mcp proxy` adds to each MCP tools/call, without an approval.
//
// A real SDK client calls the fixture MCP server's `echo` tool (small arguments) in two ways, in
// the same run, in alternating rounds so that drift on a shared machine hits both alike:
//   - direct (the baseline): client → fixture server;
//   - proxied: client → `mima mcp proxy` (the built CLI, a process of its own, as an MCP client
//     starts it) → fixture server, with governance on: kill switch, scope, precheck with every PII
//     detector, postcheck on the result, and an attestation per call (queued; the proxy sends
//     them to a real Mima server in the background).
// Over stdio (each server a child process) and over Streamable HTTP (each a loopback HTTP
// server). Prints p50/p99 per call for both, the added latency and the ratio. Target: ≤ 1 ms
// added at p50. Needs the built packages (`pnpm build`).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPgliteDatabase, silentLogger, startServer } from '@mima/server'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { recordFigure } from '../report.mjs'

const CALLS = Number(process.env.BENCH_MCP_CALLS ?? 2000)
const ROUNDS = 10
const WARMUP = 200
const TARGET_ADDED_P50_MS = 1

const root = join(import.meta.dirname, '..', '..')
const MIMA_BIN = join(root, 'packages', 'cli', 'dist', 'bin.js')
const FIXTURES = join(root, 'packages', 'mcp', 'test', 'fixtures')

const percentile = (sorted, fraction) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
const children = []

/** Starts a child process and resolves with the first stdout/stderr match of `pattern`. */
function startAndWait(command, args, env, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let seen = ''
    const onData = (chunk) => {
      seen += chunk
      const match = pattern.exec(seen)
      if (!match) return
      // Stop collecting once started: the output is drained (and dropped) from now on, so that a
      // chatty child does not make this process concatenate and scan a growing string.
      child.stdout.off('data', onData).resume()
      child.stderr.off('data', onData).resume()
      seen = ''
      resolve(match)
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    child.stderr.setEncoding('utf8').on('data', onData)
    child.once('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}): ${seen}`)))
  })
}

// --- a real Mima server for the proxy's attestations and kill switch ---------------------------
const adminKey = `mima_bench_${randomBytes(16).toString('hex')}`
const mimaServer = await startServer({
  database: await createPgliteDatabase(),
  port: 0,
  logger: silentLogger,
  bootstrapApiKey: adminKey,
})
const me = await (
  await fetch(`${mimaServer.url}/api/me`, { headers: { authorization: `Bearer ${adminKey}` } })
).json()
const keyResponse = await fetch(`${mimaServer.url}/api/workspaces/${me.workspace_id}/keys`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench proxy', role: 'ingest' }),
})
const ingestKey = (await keyResponse.json()).key

const home = mkdtempSync(join(tmpdir(), 'mima-bench-mcp-'))
const config = join(home, 'mima-mcp.yaml')
writeFileSync(config, ['servers:', '  fixture:', '    agent: bench-agent', '    allow: [echo]'].join('\n'))
const proxyEnv = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  MIMA_API_KEY: ingestKey,
  MIMA_BASE_URL: mimaServer.url,
  MIMA_WORKSPACE_ID: me.workspace_id,
}

async function connect(transport) {
  const client = new Client({ name: 'bench', version: '1.0.0' })
  await client.connect(transport)
  return client
}

async function timeCalls(client, count, into) {
  for (let index = 0; index < count; index++) {
    const started = performance.now()
    await client.callTool({ name: 'echo', arguments: { text: `call ${index}`, page: index % 7 } })
    into.push(performance.now() - started)
  }
}

async function compare(label, direct, proxied) {
  await timeCalls(direct, WARMUP, [])
  await timeCalls(proxied, WARMUP, [])
  const directTimes = []
  const proxiedTimes = []
  const perRound = Math.ceil(CALLS / ROUNDS)
  for (let round = 0; round < ROUNDS; round++) {
    await timeCalls(direct, perRound, directTimes)
    await timeCalls(proxied, perRound, proxiedTimes)
  }
  directTimes.sort((a, b) => a - b)
  proxiedTimes.sort((a, b) => a - b)
  const figures = {
    directP50: percentile(directTimes, 0.5),
    directP99: percentile(directTimes, 0.99),
    proxiedP50: percentile(proxiedTimes, 0.5),
    proxiedP99: percentile(proxiedTimes, 0.99),
  }
  const addedP50 = figures.proxiedP50 - figures.directP50
  const addedP99 = figures.proxiedP99 - figures.directP99
  const met = addedP50 <= TARGET_ADDED_P50_MS
  console.log(`\n${label}: ${directTimes.length} calls each`)
  console.log(
    `  direct (baseline)  p50 ${figures.directP50.toFixed(3)} ms   p99 ${figures.directP99.toFixed(3)} ms`,
  )
  console.log(
    `  through the proxy  p50 ${figures.proxiedP50.toFixed(3)} ms   p99 ${figures.proxiedP99.toFixed(3)} ms`,
  )
  console.log(
    `  added              p50 ${addedP50.toFixed(3)} ms   p99 ${addedP99.toFixed(3)} ms   ratio p50 ${(figures.proxiedP50 / figures.directP50).toFixed(2)}×, p99 ${(figures.proxiedP99 / figures.directP99).toFixed(2)}×`,
  )
  console.log(`  target: ≤ ${TARGET_ADDED_P50_MS} ms added at p50 — ${met ? 'met' : 'NOT met'}`)
  recordFigure({
    bench: 'mcp',
    name: `tools/call p50 through the proxy, ${label}`,
    value: figures.proxiedP50,
    unit: 'ms',
    baselineName: 'direct client → server',
    baseline: figures.directP50,
  })
  recordFigure({
    bench: 'mcp',
    name: `latency added per tools/call at p50, ${label}`,
    value: addedP50,
    unit: 'ms',
    target: `≤ ${TARGET_ADDED_P50_MS} ms`,
    met,
  })
  recordFigure({
    bench: 'mcp',
    name: `tools/call p99 through the proxy, ${label}`,
    value: figures.proxiedP99,
    unit: 'ms',
    baselineName: 'direct client → server',
    baseline: figures.directP99,
  })
  return met
}

let allMet = true
try {
  // --- stdio ---------------------------------------------------------------------------------
  const fixtureCommand = [join(FIXTURES, 'stdio-server.mjs')]
  const directStdio = await connect(
    new StdioClientTransport({ command: process.execPath, args: fixtureCommand, stderr: 'ignore' }),
  )
  const proxiedStdio = await connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MIMA_BIN, 'mcp', 'proxy', '--config', config, '--', process.execPath, ...fixtureCommand],
      env: proxyEnv,
      stderr: 'ignore',
    }),
  )
  const proxiedTools = (await proxiedStdio.listTools()).tools.map((tool) => tool.name)
  if (proxiedTools.join() !== 'echo')
    throw new Error(`the proxy listed ${proxiedTools.join()}, expected echo only`)
  allMet = (await compare('stdio', directStdio, proxiedStdio)) && allMet
  await directStdio.close()
  await proxiedStdio.close()

  // --- Streamable HTTP -------------------------------------------------------------------------
  const [, fixtureUrl] = await startAndWait(
    process.execPath,
    [join(FIXTURES, 'http-server.mjs')],
    { PATH: process.env.PATH ?? '' },
    /listening (\S+)/,
  )
  writeFileSync(
    config,
    ['servers:', '  fixture:', '    agent: bench-agent', `    url: ${fixtureUrl}`, '    allow: [echo]'].join(
      '\n',
    ),
  )
  const [, proxyUrl] = await startAndWait(
    process.execPath,
    [MIMA_BIN, 'mcp', 'proxy', '--config', config, '--http', '--port', '0'],
    proxyEnv,
    /serving MCP on (\S+)\./,
  )
  const directHttp = await connect(new StreamableHTTPClientTransport(new URL(fixtureUrl)))
  const proxiedHttp = await connect(new StreamableHTTPClientTransport(new URL(proxyUrl)))
  allMet = (await compare('Streamable HTTP', directHttp, proxiedHttp)) && allMet
  await directHttp.close()
  await proxiedHttp.close()
} finally {
  for (const child of children) child.kill()
  await mimaServer.close()
}
if (!allMet) console.log('\nThe ≤ 1 ms target was not met in this run.')

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
//
// Wall-clock figures on a loaded machine mostly measure the scheduler (each hop wakes a process),
// so on Linux the bench also prints the CPU time each server-side process spends per call (from
// /proc): the fixture server's for the direct call, the proxy's and the fixture's for the proxied
// one. That figure barely moves with the machine's load.
//
// Both HTTP clients get the same `fetch`, which gives each POST its own abort signal: the SDK's
// client transport passes every request one long-lived signal, to which Node's fetch adds a
// listener per request until garbage collection (and, past 1 500, prints a warning per request),
// a cost of the client that would otherwise swamp both the baseline and the proxied figures.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
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

/** CPU time (user + system) a process has used, in ms; undefined where /proc is not there. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return undefined
  }
}
const cpuOf = (pids) => {
  const values = pids.map(cpuMs)
  return values.some((value) => value === undefined) ? undefined : values.reduce((a, b) => a + b, 0)
}

/** The same fetch for both HTTP clients: a POST's signal is its own (see the header). */
const clientFetch = (url, init) =>
  init?.method === 'POST' ? fetch(url, { ...init, signal: AbortSignal.timeout(60_000) }) : fetch(url, init)

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
      resolve([...match, child.pid])
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

/**
 * `pids`: the server-side processes of each way (direct: the fixture; proxied: the proxy and its
 * fixture; the proxy alone is the first of them).
 */
async function compare(label, direct, proxied, pids) {
  await timeCalls(direct, WARMUP, [])
  await timeCalls(proxied, WARMUP, [])
  const directTimes = []
  const proxiedTimes = []
  const perRound = Math.ceil(CALLS / ROUNDS)
  let directCpu = 0
  let proxyCpu = 0
  let proxiedCpu = 0
  for (let round = 0; round < ROUNDS; round++) {
    const beforeDirect = cpuOf(pids.direct)
    await timeCalls(direct, perRound, directTimes)
    const beforeProxied = cpuOf(pids.proxied)
    const beforeProxy = cpuOf(pids.proxied.slice(0, 1))
    directCpu += (cpuOf(pids.direct) ?? Number.NaN) - (beforeDirect ?? Number.NaN)
    await timeCalls(proxied, perRound, proxiedTimes)
    proxiedCpu += (cpuOf(pids.proxied) ?? Number.NaN) - (beforeProxied ?? Number.NaN)
    proxyCpu += (cpuOf(pids.proxied.slice(0, 1)) ?? Number.NaN) - (beforeProxy ?? Number.NaN)
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
  const calls = perRound * ROUNDS
  if (Number.isFinite(directCpu) && Number.isFinite(proxyCpu)) {
    console.log(
      `  server-side CPU per call: direct (fixture) ${(directCpu / calls).toFixed(3)} ms   proxied (proxy + fixture) ${(proxiedCpu / calls).toFixed(3)} ms, of which the proxy ${(proxyCpu / calls).toFixed(3)} ms`,
    )
    recordFigure({
      bench: 'mcp',
      name: `proxy CPU per tools/call, ${label}`,
      value: proxyCpu / calls,
      unit: 'ms',
      baselineName: 'fixture server CPU per direct call',
      baseline: directCpu / calls,
    })
  }
  console.log(`  load average: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
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
  const directStdioTransport = new StdioClientTransport({
    command: process.execPath,
    args: fixtureCommand,
    stderr: 'ignore',
  })
  const directStdio = await connect(directStdioTransport)
  const proxiedStdioTransport = new StdioClientTransport({
    command: process.execPath,
    args: [MIMA_BIN, 'mcp', 'proxy', '--config', config, '--', process.execPath, ...fixtureCommand],
    env: proxyEnv,
    stderr: 'ignore',
  })
  const proxiedStdio = await connect(proxiedStdioTransport)
  const proxiedTools = (await proxiedStdio.listTools()).tools.map((tool) => tool.name)
  if (proxiedTools.join() !== 'echo')
    throw new Error(`the proxy listed ${proxiedTools.join()}, expected echo only`)
  // The proxied fixture is the proxy's child process.
  const proxyStdioPid = proxiedStdioTransport.pid
  let proxiedFixturePid
  try {
    proxiedFixturePid = Number(
      readFileSync(`/proc/${proxyStdioPid}/task/${proxyStdioPid}/children`, 'utf8').trim().split(' ')[0],
    )
  } catch {
    proxiedFixturePid = undefined
  }
  allMet =
    (await compare('stdio', directStdio, proxiedStdio, {
      direct: [directStdioTransport.pid],
      proxied: proxiedFixturePid ? [proxyStdioPid, proxiedFixturePid] : [proxyStdioPid],
    })) && allMet
  await directStdio.close()
  await proxiedStdio.close()

  // --- Streamable HTTP -------------------------------------------------------------------------
  const [, fixtureUrl, fixturePid] = await startAndWait(
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
  const [, proxyUrl, proxyPid] = await startAndWait(
    process.execPath,
    [MIMA_BIN, 'mcp', 'proxy', '--config', config, '--http', '--port', '0'],
    proxyEnv,
    /serving MCP on (\S+)\./,
  )
  const directHttp = await connect(
    new StreamableHTTPClientTransport(new URL(fixtureUrl), { fetch: clientFetch }),
  )
  const proxiedHttp = await connect(
    new StreamableHTTPClientTransport(new URL(proxyUrl), { fetch: clientFetch }),
  )
  allMet =
    (await compare('Streamable HTTP', directHttp, proxiedHttp, {
      direct: [fixturePid],
      proxied: [proxyPid, fixturePid],
    })) && allMet
  await directHttp.close()
  await proxiedHttp.close()
} finally {
  for (const child of children) child.kill()
  await mimaServer.close()
}
if (!allMet) console.log('\nThe ≤ 1 ms target was not met in this run.')

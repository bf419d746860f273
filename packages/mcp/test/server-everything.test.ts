// The proxy in front of the MCP project's own reference server, @modelcontextprotocol/server-everything
// (installed from npm, run offline over stdio).
import { createRequire } from 'node:module'
import { PassThrough } from 'node:stream'
import { hashValue, toHashable } from '@mima/core'
import { readAttestations } from '@mima-internal/test-server'
import { waitFor } from '@mima-internal/test-utils'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpProxy, type McpProxy, refusalOf } from '../src/index'
import {
  type MimaSide,
  type ProxyClients,
  proxyClients,
  StreamClientTransport,
  startMimaSide,
  textOf,
} from './harness'

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
)
const upstream = { command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' as const }

function samplingClient(name: string): Client {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } })
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    model: 'fake-model',
    role: 'assistant',
    content: {
      type: 'text',
      text: `sampled: ${(request.params.messages[0]?.content as { text?: string } | undefined)?.text}`,
    },
  }))
  return client
}

describe('the proxy in front of @modelcontextprotocol/server-everything', () => {
  let mima: MimaSide
  let clients: ProxyClients
  let proxy: McpProxy
  let client: Client
  let direct: Client

  beforeAll(async () => {
    mima = await startMimaSide()
    clients = await proxyClients(mima.server.baseUrl, mima.ingestKey, 'everything-agent')
    const toProxy = new PassThrough()
    const fromProxy = new PassThrough()
    proxy = await createMcpProxy({
      governance: {
        server: 'everything',
        agent: 'everything-agent',
        mima: clients.mima,
        approvals: clients.approvals,
        killSwitch: clients.killSwitch,
        allowedTools: [
          'echo',
          'get-sum',
          'trigger-long-running-operation',
          'trigger-sampling-request',
          'get-env',
        ],
        hiddenTools: ['get-env'],
      },
      upstream,
      downstream: { stdin: toProxy, stdout: fromProxy },
      onError: () => {},
    })
    client = samplingClient('governed')
    await client.connect(new StreamClientTransport(toProxy, fromProxy))
    direct = samplingClient('direct')
    await direct.connect(new StdioClientTransport(upstream))
  })
  afterAll(async () => {
    await client?.close()
    await direct?.close()
    await proxy?.close()
    await clients?.close()
    await mima?.server.close()
  })

  it('lists only the allowed tools and refuses the hidden get-env', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'echo',
      'get-sum',
      'trigger-long-running-operation',
      'trigger-sampling-request',
    ])
    const env = await client.callTool({ name: 'get-env', arguments: {} })
    expect(refusalOf(env as never)?.code).toBe('scope_denied')
  })

  it('redacts the echoed e-mail address and attests the call', async () => {
    const result = await client.callTool({
      name: 'echo',
      arguments: { message: 'reach me at ada@example.com' },
    })
    expect(textOf(result)).toMatch(/^Echo: reach me at <EMAIL(_\d+)?>$/)
    await clients.mima.flush()
    const record = await waitFor(
      async () =>
        (await readAttestations(mima.server)).find((item) => item.tool_name === 'mcp.everything.echo'),
      { what: 'the attestation of the echo call' },
    )
    expect(record.output_hash).toBe(hashValue(toHashable(result)))
  })

  it('passes resources, prompts, progress and server-to-client sampling requests through unchanged', async () => {
    expect(await client.listResources()).toEqual(await direct.listResources())
    expect(await client.listPrompts()).toEqual(await direct.listPrompts())
    const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } })
    expect(sum).toEqual(await direct.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } }))

    const progress: number[] = []
    const long = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (update) => progress.push(update.progress) },
    )
    expect(textOf(long)).toContain('Long running operation completed')
    expect(progress).toEqual([1, 2, 3])

    const sampled = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'hello' },
    })
    expect(textOf(sampled)).toContain('sampled: Resource trigger-sampling-request context: hello')
  })
})

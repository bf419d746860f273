import { hashValue, toHashable } from '@mima/core'
import { readAttestations } from '@mima-internal/test-server'
import { waitFor } from '@mima-internal/test-utils'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type MimaSide,
  type ProxyClients,
  proxyClients,
  STDIO_FIXTURE,
  startMimaSide,
  TEST_POLICY,
  textOf,
} from '../../test/harness'
import { refusalOf } from '../governance/refusal'
import { governMcpClient } from './govern-mcp-client'

describe('governMcpClient', () => {
  let mima: MimaSide
  let clients: ProxyClients
  let client: Client
  const agent = 'in-process-agent'

  beforeAll(async () => {
    mima = await startMimaSide()
    clients = await proxyClients(mima.server.baseUrl, mima.ingestKey, agent)
    client = governMcpClient(new Client({ name: 'app', version: '1.0.0' }), {
      server: 'fixture',
      agent,
      mima: clients.mima,
      approvals: clients.approvals,
      killSwitch: clients.killSwitch,
      policy: TEST_POLICY,
      allowedTools: ['echo', 'lookup_customer', 'transfer_funds'],
      tools: { transfer_funds: { requiresApproval: true } },
    })
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [STDIO_FIXTURE], stderr: 'ignore' }),
    )
  })
  afterAll(async () => {
    await client?.close()
    await clients?.close()
    await mima?.server.close()
  })

  it('filters listTools and refuses tools out of scope, through callTool and raw requests', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'lookup_customer', 'transfer_funds'])
    const refused = await client.callTool({ name: 'delete_repo', arguments: { name: 'prod' } })
    expect(refusalOf(refused as never)?.code).toBe('scope_denied')
    const raw = await client.request(
      { method: 'tools/call', params: { name: 'delete_repo', arguments: {} } },
      CallToolResultSchema,
    )
    expect(raw.isError).toBe(true)
  })

  it('redacts arguments and results, and attests the call with matching hashes', async () => {
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'card holder ada@example.com' } })
    expect(textOf(echoed)).not.toContain('ada@example.com')
    const sent = JSON.parse(textOf(echoed)) as Record<string, unknown>
    const customer = await client.callTool({ name: 'lookup_customer', arguments: { id: 'c-9' } })
    expect(textOf(customer)).not.toContain('ada@example.com')
    await clients.mima.flush()
    const record = await waitFor(
      async () =>
        (await readAttestations(mima.server)).find(
          (attestation) => attestation.tool_name === 'mcp.fixture.echo',
        ),
      { what: 'the attestation of the echo call' },
    )
    expect(record.input_hash).toBe(hashValue(toHashable(sent)))
    expect(record.output_hash).toBe(hashValue(toHashable(echoed)))
  })

  it('holds a call that needs approval until an approver decides', async () => {
    const call = client.callTool({ name: 'transfer_funds', arguments: { amount: 7, to: 'acct-7' } })
    const pending = await waitFor(
      async () =>
        (await mima.approver.list()).find((approval) => approval.actionType === 'mcp.fixture.transfer_funds'),
      { what: 'the pending approval' },
    )
    await mima.approver.decide(pending.id, 'approve')
    const result = await call
    expect(JSON.parse(textOf(result))).toEqual({ amount: 7, to: 'acct-7' })
  })
})

import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readAttestations, startTestServer, type TestServer } from '@mima-internal/test-server'
import { waitFor } from '@mima-internal/test-utils'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHome, MIMA_BIN, runMima } from './run-mima'

// The MCP fixture server of @mima/mcp's tests (a real MCP server over stdio).
const FIXTURE = join(import.meta.dirname, '..', '..', 'mcp', 'test', 'fixtures', 'stdio-server.mjs')

let server: TestServer
let ingestKey: string

beforeAll(async () => {
  server = await startTestServer()
  ingestKey = await server.createKey('ingest', 'desktop proxy')
})
afterAll(async () => {
  await server?.close()
})

const CONFIG = [
  'version: 1',
  'servers:',
  '  fixture:',
  '    agent: desktop-agent',
  '    allow: [echo, lookup_customer]',
  '    policy: { defaults: { egress: { action: redact } } }',
].join('\n')

describe('mima mcp', () => {
  it('proxy: the one line an MCP client runs governs the server after `--`', async () => {
    const home = await createHome()
    const config = join(home, 'mima-mcp.yaml')
    await writeFile(config, CONFIG)
    const client = new Client({ name: 'desktop', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [MIMA_BIN, 'mcp', 'proxy', '--config', config, '--', process.execPath, FIXTURE],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: home,
          MIMA_API_KEY: ingestKey,
          MIMA_BASE_URL: server.baseUrl,
        },
        stderr: 'pipe',
      }),
    )
    try {
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name).sort()).toEqual(['echo', 'lookup_customer'])
      const customer = await client.callTool({ name: 'lookup_customer', arguments: { id: 'c-3' } })
      const text = (customer.content as { text: string }[])[0]?.text ?? ''
      expect(text).toContain('Customer c-3')
      expect(text).not.toContain('ada@example.com')
      const refused = await client.callTool({ name: 'delete_repo', arguments: { name: 'prod' } })
      expect(refused.isError).toBe(true)
      // The proxy reported the server's tools for the dashboard.
      const reported = await waitFor(
        async () => {
          const response = await fetch(`${server.baseUrl}/api/workspaces/${server.workspaceId}/mcp/servers`, {
            headers: { authorization: `Bearer ${server.adminKey}` },
          })
          const body = (await response.json()) as {
            servers: { server_name: string; tools: { name: string; visible: boolean }[] }[]
          }
          return body.servers.find((item) => item.server_name === 'fixture')
        },
        { what: 'the proxy report of the fixture server' },
      )
      expect(
        reported.tools
          .filter((item) => item.visible)
          .map((item) => item.name)
          .sort(),
      ).toEqual(['echo', 'lookup_customer'])
    } finally {
      await client.close()
    }
    // Closing the client ends the proxy, which sends its attestations first.
    const attested = await waitFor(
      async () => {
        const records = await readAttestations(server)
        const names = records.map((record) => record.tool_name)
        return names.includes('mcp.fixture.lookup_customer') && names.includes('mcp.fixture.delete_repo')
          ? names
          : undefined
      },
      { what: 'the attestations of the proxied calls' },
    )
    expect(attested).toContain('mcp.fixture.lookup_customer')
  })

  it('validate: reports a bad configuration with its line and exit code 2', async () => {
    const home = await createHome()
    await writeFile(
      join(home, 'mima-mcp.yaml'),
      'servers:\n  fixture:\n    agent: a\n    on_flagged_tool: ignore\n',
    )
    const result = await runMima(['mcp', 'validate', '--config', 'mima-mcp.yaml'], { home })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(
      'mima-mcp.yaml:4 servers.fixture.on_flagged_tool: must be one of: hide, flag',
    )

    await writeFile(join(home, 'mima-mcp.yaml'), CONFIG)
    const ok = await runMima(['mcp', 'validate', '--config', 'mima-mcp.yaml', '--json'], { home })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).servers).toEqual([{ name: 'fixture', agent: 'desktop-agent' }])
  })
})

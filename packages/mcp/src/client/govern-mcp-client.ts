import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  createMcpGovernance,
  type McpGovernance,
  type McpGovernanceOptions,
} from '../governance/mcp-governance'
import { createToolCallInterceptor } from '../transport/tool-call-interceptor'

const GOVERNED = Symbol.for('mima.mcp.governed')

type GovernableTransport = Transport & { [GOVERNED]?: true }

/** Puts the governance between the client's protocol layer and its connected transport. */
function governTransport(transport: GovernableTransport, governance: McpGovernance): void {
  if (transport[GOVERNED]) return
  const send = transport.send.bind(transport)
  const deliver = transport.onmessage
  const interceptor = createToolCallInterceptor({
    governance,
    sendUpstream: send,
    deliverDownstream: (message) => deliver?.(message),
  })
  transport.send = (message, options) => interceptor.fromClient(message, options)
  transport.onmessage = (message) => interceptor.fromServer(message)
  transport[GOVERNED] = true
}

/**
 * Governs an SDK `Client` in this process, with the same guarantees as the proxy:
 * `listTools` sees only the tools in the agent's scope, and every `callTool` (or raw
 * `tools/call` request) goes through the kill switch, scope, precheck, approval, postcheck and
 * attestation. Refusals come back as tool results with `isError: true`. Works on a connected
 * client and on one that connects later. Calls that wait for an approval can outlast the SDK's
 * default 60-second request timeout: pass `{ timeout }` to `callTool`.
 *
 * @example
 * ```ts
 * const client = governMcpClient(new Client({ name: 'app', version: '1.0.0' }), {
 *   server: 'github', agent: 'coder', mima, approvals: createApprovals(mima), killSwitch,
 *   allowedTools: ['list_issues', 'create_issue'], tools: { create_issue: { requiresApproval: true } },
 * })
 * await client.connect(new StdioClientTransport({ command: 'github-mcp-server' }))
 * ```
 */
export function governMcpClient<C extends Client>(
  client: C,
  options: McpGovernanceOptions | McpGovernance,
): C {
  const governance =
    typeof (options as McpGovernance).callTool === 'function'
      ? (options as McpGovernance)
      : createMcpGovernance(options as McpGovernanceOptions)
  if (client.transport !== undefined) governTransport(client.transport, governance)
  const connect = client.connect.bind(client)
  client.connect = async (transport, connectOptions) => {
    await connect(transport, connectOptions)
    governTransport(transport, governance)
  }
  return client
}

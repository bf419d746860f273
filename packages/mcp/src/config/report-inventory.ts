import type { RuntimeConnection } from '@mima/policy'
import type { McpGovernance, McpGovernanceEvent } from '../governance/mcp-governance'

/** Sends a server's tool inventory to Mima (the dashboard's MCP page) after each `tools/list`. */
export interface InventoryReporter {
  observe(event: McpGovernanceEvent, governance: McpGovernance | undefined): void
  /** Waits for the report in flight, if any. */
  flush(): Promise<void>
}

/**
 * Reports with `PUT …/mcp/servers/{server}`: the agent and each tool's definition hash, risk,
 * approval rule, visibility and flags. Recording only: a failure is logged, never raised.
 */
export function createInventoryReporter(options: {
  readonly connection: RuntimeConnection
  readonly server: string
  readonly agent: string
  readonly onError: (line: string) => void
}): InventoryReporter {
  let inFlight: Promise<void> = Promise.resolve()
  return {
    observe(event, governance) {
      if (event.type !== 'tools.listed' || governance === undefined) return
      const tools = governance.inventory().map((tool) => ({
        name: tool.name,
        definition_sha256: tool.definitionSha256,
        risk: tool.risk ?? null,
        requires_approval: tool.requiresApproval,
        visible: tool.visible,
        flags: [...tool.flags],
      }))
      inFlight = inFlight
        .then(() =>
          options.connection.request('PUT', `mcp/servers/${encodeURIComponent(options.server)}`, {
            agent_name: options.agent,
            tools,
          }),
        )
        .then(
          () => undefined,
          (error: unknown) =>
            options.onError(`reporting the tool list to Mima failed: ${(error as Error).message}`),
        )
    },
    flush: () => inFlight,
  }
}

import { createApprovals } from '@mima/approvals'
import { createMima, MimaError, resolveConnection } from '@mima/core'
import { createKillSwitch, createRuntimeConnection } from '@mima/policy'
import type { McpGovernanceEvent } from '../governance/mcp-governance'
import { createToolPins } from '../governance/tool-pins'
import { createMcpProxy, type McpDownstream, type McpProxy } from '../proxy/create-mcp-proxy'
import type { McpUpstream } from '../proxy/upstream'
import type { McpConfig, McpConfigServer } from './mcp-config'
import { createInventoryReporter } from './report-inventory'

/** Options of {@link startConfiguredProxy}. */
export interface ConfiguredProxyOptions {
  readonly config: McpConfig
  /** The server of the configuration to govern (optional when it names only one). */
  readonly server?: string | undefined
  /** The upstream command (what follows `--` on the command line); replaces the configured one. */
  readonly command?: readonly string[] | undefined
  /** Default `stdio`. */
  readonly downstream?: McpDownstream | undefined
  /** Where `MIMA_API_KEY`, `MIMA_BASE_URL` and `MIMA_WORKSPACE_ID` are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** Lines for the operator (default: stderr, since stdout carries the protocol). */
  readonly log?: ((line: string) => void) | undefined
  /** How long to wait for the kill switch's first state before serving, in ms (default 5 000). */
  readonly readyTimeoutMs?: number | undefined
}

/** A proxy started from a configuration, with the clients it owns. */
export interface ConfiguredProxy {
  readonly proxy: McpProxy
  readonly server: McpConfigServer
  /** Stops the proxy, sends (or keeps in the outbox) the last attestations, closes the streams. */
  close(): Promise<void>
}

function pickServer(config: McpConfig, name: string | undefined): McpConfigServer {
  if (name !== undefined) {
    const found = config.servers.find((server) => server.name === name)
    if (found === undefined) {
      throw new MimaError(
        'config_invalid',
        `${config.file} has no server "${name}" (it has: ${config.servers.map((server) => server.name).join(', ')}).`,
      )
    }
    return found
  }
  if (config.servers.length === 1) return config.servers[0] as McpConfigServer
  throw new MimaError(
    'config_invalid',
    `${config.file} names ${config.servers.length} servers: choose one with --server (${config.servers.map((server) => server.name).join(', ')}).`,
  )
}

function describeEvent(event: McpGovernanceEvent): string | undefined {
  switch (event.type) {
    case 'call':
      return event.outcome === 'ok'
        ? undefined
        : `${event.tool}: ${event.outcome}${event.reasons.length > 0 ? ` (${event.reasons.join(', ')})` : ''}`
    case 'approval.requested':
      return `${event.tool}: waiting for approval ${event.approvalId}`
    case 'tool.flagged':
      return `${event.tool}: flagged ${event.reason}${event.hidden ? ', hidden' : ''}`
    default:
      return undefined
  }
}

/**
 * Starts `mima mcp proxy` from a validated configuration: connects to the Mima server (API key from
 * `MIMA_API_KEY` or `~/.mima/config.json`), follows the agent's kill switch, and serves one
 * upstream server's governed tools.
 */
export async function startConfiguredProxy(options: ConfiguredProxyOptions): Promise<ConfiguredProxy> {
  const { config } = options
  const server = pickServer(config, options.server)
  const log = options.log ?? ((line: string) => process.stderr.write(`[mima mcp] ${line}\n`))
  const [command, ...args] = options.command ?? []
  const upstream: McpUpstream | undefined = command === undefined ? server.upstream : { command, args }
  if (upstream === undefined) {
    throw new MimaError(
      'config_invalid',
      `Server "${server.name}" has no command or url in ${config.file}: add one, or put the command after \`--\`.`,
    )
  }
  const env = options.env ?? process.env
  const connection = resolveConnection({ baseUrl: config.mima.baseUrl }, { env })
  const mima = createMima({
    apiKey: connection.apiKey,
    baseUrl: connection.baseUrl,
    workspaceId: connection.workspaceId,
    systemName: config.mima.systemName,
    agentName: server.agent,
    env,
    batchFlushInterval: 2_000,
    logger: { warn: log },
  })
  const runtime = createRuntimeConnection({
    baseUrl: connection.baseUrl,
    apiKey: connection.apiKey,
    workspaceId: connection.workspaceId,
    env: {},
  })
  const killSwitch = createKillSwitch({
    connection: runtime,
    agentName: server.agent,
    failOpen: config.mima.failMode === 'open',
    staleAfterMs: (config.mima.killSwitchStaleSeconds ?? 30) * 1000,
  })
  try {
    await killSwitch.ready(options.readyTimeoutMs ?? 5_000)
  } catch (error) {
    log(
      `the Mima server at ${connection.baseUrl} is not reachable (${(error as Error).message}); calls ${config.mima.failMode === 'open' ? 'go through (fail open)' : 'are refused (fail closed)'} until it is.`,
    )
  }
  const reporter = createInventoryReporter({
    connection: runtime,
    server: server.name,
    agent: server.agent,
    onError: log,
  })
  let proxy: McpProxy
  try {
    proxy = await createMcpProxy({
      governance: {
        server: server.name,
        agent: server.agent,
        mima,
        approvals: createApprovals(mima),
        killSwitch,
        ...(server.policy === undefined ? {} : { policy: server.policy }),
        allowedTools: server.allow,
        hiddenTools: server.hide,
        tools: server.tools,
        failMode: config.mima.failMode,
        approvalTimeoutSeconds: config.mima.approvalTimeoutSeconds,
        descriptionCheck: server.descriptionCheck ? undefined : false,
        onFlaggedTool: server.onFlaggedTool,
        pins: createToolPins({ file: config.mima.pinFile }),
        onEvent(event) {
          const line = describeEvent(event)
          if (line !== undefined) log(line)
          reporter.observe(event, proxy?.governance)
        },
      },
      upstream,
      downstream: options.downstream,
      onError: (error) => log((error as Error)?.message ?? String(error)),
    })
  } catch (error) {
    killSwitch.close()
    await mima.close()
    throw error
  }
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await proxy.close()
      await reporter.flush()
      killSwitch.close()
      await mima.close()
    })()
    return closing
  }
  proxy.closed.then(close, close)
  return { proxy, server, close }
}

import type { Readable, Writable } from 'node:stream'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import {
  createMcpGovernance,
  type McpGovernance,
  type McpGovernanceOptions,
} from '../governance/mcp-governance'
import { relayGoverned } from '../transport/relay'
import { type HttpDownstream, type HttpDownstreamOptions, startHttpDownstream } from './http-downstream'
import { type McpUpstream, upstreamTransport } from './upstream'

/** Where MCP clients reach the proxy. */
export type McpDownstream =
  | 'stdio'
  /** stdio framing over the given streams (for embedding and tests). */
  | { readonly stdin: Readable; readonly stdout: Writable }
  | { readonly http: HttpDownstreamOptions }

/** Options of {@link createMcpProxy}. */
export interface McpProxyOptions {
  /** The governance (or its options): scope, policy, approvals, attestation, kill switch. */
  readonly governance: McpGovernance | McpGovernanceOptions
  /** The MCP server to govern: a command (stdio) or a URL (Streamable HTTP). */
  readonly upstream: McpUpstream
  /** How clients reach the proxy (default `stdio`: the proxy's own stdin and stdout). */
  readonly downstream?: McpDownstream | undefined
  /** Transport and relay errors (default: written to stderr; stdout belongs to the protocol). */
  readonly onError?: ((error: unknown) => void) | undefined
}

/** A running governing proxy. */
export interface McpProxy {
  readonly governance: McpGovernance
  /** The HTTP endpoint, when serving over HTTP. */
  readonly url: string | undefined
  /** Open client sessions: HTTP sessions, or 1 for a running stdio session (0 once it ended). */
  readonly sessions: number
  /** Resolves when the stdio session ends (the client or the upstream closed); HTTP: on `close`. */
  readonly closed: Promise<void>
  close(): Promise<void>
}

function isGovernance(value: McpGovernance | McpGovernanceOptions): value is McpGovernance {
  return typeof (value as McpGovernance).callTool === 'function'
}

function defaultOnError(error: unknown): void {
  process.stderr.write(`[mima mcp] ${(error as Error)?.message ?? String(error)}\n`)
}

/**
 * Starts a governing MCP proxy: an MCP server to its client and an MCP client to its upstream.
 * `tools/list` is filtered by the agent's scope, every `tools/call` is governed (kill switch,
 * scope, precheck, approval, postcheck, attestation), and every other message passes unchanged.
 *
 * @example
 * ```ts
 * const proxy = await createMcpProxy({
 *   governance: { server: 'files', agent: 'assistant', mima, approvals, killSwitch, allowedTools: ['read_*'] },
 *   upstream: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] },
 *   downstream: 'stdio',
 * })
 * await proxy.closed
 * ```
 */
export async function createMcpProxy(options: McpProxyOptions): Promise<McpProxy> {
  const governance = isGovernance(options.governance)
    ? options.governance
    : createMcpGovernance(options.governance)
  const onError = options.onError ?? defaultOnError
  const downstream = options.downstream ?? 'stdio'
  let resolveClosed: () => void = () => {}
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })

  if (typeof downstream === 'object' && 'http' in downstream) {
    const http: HttpDownstream = await startHttpDownstream(downstream.http, (transport) =>
      relayGoverned({
        downstream: transport,
        upstream: upstreamTransport(options.upstream),
        governance,
        onError,
      }),
    )
    return {
      governance,
      url: http.url,
      get sessions() {
        return http.sessions
      },
      closed,
      async close() {
        await http.close()
        resolveClosed()
      },
    }
  }

  const server =
    downstream === 'stdio'
      ? new StdioServerTransport()
      : new StdioServerTransport(downstream.stdin, downstream.stdout)
  const upstream = upstreamTransport(options.upstream)
  const previousClose = server.onclose
  await relayGoverned({ downstream: server, upstream, governance, onError })
  const relayClose = server.onclose
  server.onclose = () => {
    relayClose?.()
    previousClose?.()
    resolveClosed()
  }
  if (downstream === 'stdio') {
    // The client closing our stdin ends the session.
    process.stdin.once('end', () => {
      server.close().catch(onError)
    })
  }
  let ended = false
  closed.then(() => {
    ended = true
  })
  return {
    governance,
    url: undefined,
    get sessions() {
      return ended ? 0 : 1
    },
    closed,
    async close() {
      await Promise.allSettled([server.close(), upstream.close()])
      resolveClosed()
    },
  }
}

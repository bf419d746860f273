import { MimaError } from '@mima/core'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { HttpUpstreamTransport } from './http-upstream-transport'

/** An upstream MCP server started as a command, spoken to over stdio. */
export interface StdioUpstream {
  readonly command: string
  readonly args?: readonly string[] | undefined
  /** Added to the proxy's environment (whose `MIMA_*` variables the upstream never sees). */
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly cwd?: string | undefined
  /** Where the server's stderr goes (default `inherit`: the proxy's stderr). */
  readonly stderr?: 'inherit' | 'ignore' | 'pipe' | undefined
}

/** An upstream MCP server reached over Streamable HTTP. */
export interface HttpUpstream {
  readonly url: string | URL
  /** Sent with every request (an `authorization` header, for one). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

export type McpUpstream = StdioUpstream | HttpUpstream

/** The environment of an upstream command: the proxy's, without Mima's credentials, plus `extra`. */
function upstreamEnvironment(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('MIMA_')) env[name] = value
  }
  return { ...env, ...extra }
}

/** A fresh, unstarted client transport to the upstream server. */
export function upstreamTransport(upstream: McpUpstream): Transport {
  if ('command' in upstream) {
    if (typeof upstream.command !== 'string' || upstream.command === '') {
      throw new MimaError('config_invalid', 'The upstream MCP server needs a command to run.')
    }
    return new StdioClientTransport({
      command: upstream.command,
      args: [...(upstream.args ?? [])],
      env: upstreamEnvironment(upstream.env),
      ...(upstream.cwd === undefined ? {} : { cwd: upstream.cwd }),
      stderr: upstream.stderr ?? 'inherit',
    })
  }
  let url: URL
  try {
    url = new URL(upstream.url)
  } catch (error) {
    throw new MimaError(
      'config_invalid',
      `The upstream MCP server URL ${String(upstream.url)} is not a URL.`,
      {
        cause: error,
      },
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MimaError('config_invalid', `The upstream MCP server URL must be http(s), got ${url.protocol}.`)
  }
  return new HttpUpstreamTransport(url, upstream.headers)
}

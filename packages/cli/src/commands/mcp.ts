import { isAbsolute, resolve } from 'node:path'
import { MimaError } from '@mima/core'
import { CliError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, parseIntegerText, stringValue } from '../cli/parse-args'

/** The part of `@mima/mcp` the CLI uses (typed here so the CLI builds without it). */
export interface McpModule {
  loadMcpConfig(file: string): {
    readonly file: string
    readonly servers: readonly { readonly name: string; readonly agent: string }[]
  }
  startConfiguredProxy(options: {
    config: unknown
    server?: string | undefined
    command?: readonly string[] | undefined
    downstream?: 'stdio' | { http: { port?: number; host?: string; token?: string } }
    env?: Readonly<Record<string, string | undefined>>
  }): Promise<{ proxy: { url: string | undefined; closed: Promise<void> }; close(): Promise<void> }>
}

// A variable specifier keeps the bundler from resolving @mima/mcp at build time: it is an optional
// peer dependency (it brings @modelcontextprotocol/sdk), loaded only when `mima mcp` runs.
const MCP_MODULE = '@mima/mcp'

/** Loads `@mima/mcp`, or explains how to install it (exit 2). */
export async function loadMcpModule(specifier: string = MCP_MODULE): Promise<McpModule> {
  try {
    return (await import(specifier)) as McpModule
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) {
      throw new CliError(
        'config_missing',
        EXIT_CODES.usage,
        '`mima mcp` needs the @mima/mcp package, which is not installed',
        {
          hint: 'Install it next to the CLI: `npm install -g @mima/cli @mima/mcp`, or run `npx -y -p @mima/cli -p @mima/mcp mima mcp …`.',
        },
      )
    }
    throw error
  }
}

function configFile(context: CommandContext): string {
  const file = stringValue(context.values, 'config') ?? 'mima-mcp.yaml'
  return isAbsolute(file) ? file : resolve(process.cwd(), file)
}

/** Config errors are usage errors (exit 2); an unreachable server at start is exit 3. */
function asCliError(error: unknown): unknown {
  if (!MimaError.isInstance(error) || error instanceof CliError) return error
  if (error.code === 'config_invalid' || error.code === 'config_missing' || error.code === 'policy_invalid') {
    return new CliError(error.code, EXIT_CODES.usage, error.message)
  }
  if (error.code === 'network_error') return new CliError(error.code, EXIT_CODES.unavailable, error.message)
  return error
}

async function runProxy(context: CommandContext): Promise<ExitCode> {
  const { values, positionals, env, output } = context
  const mcp = await loadMcpModule()
  const http = booleanValue(values, 'http')
  const portText = stringValue(values, 'port')
  if (!http && (portText !== undefined || stringValue(values, 'host') !== undefined)) {
    throw new UsageError('mima mcp proxy: --port and --host need --http (the default is stdio)')
  }
  try {
    const config = mcp.loadMcpConfig(configFile(context))
    const token = env.MIMA_MCP_PROXY_TOKEN
    const running = await mcp.startConfiguredProxy({
      config,
      server: stringValue(values, 'server'),
      command: positionals.length > 0 ? positionals : undefined,
      downstream: http
        ? {
            http: {
              ...(portText === undefined
                ? {}
                : { port: parseIntegerText('port', portText, { min: 0, max: 65535 }) }),
              ...(stringValue(values, 'host') === undefined
                ? {}
                : { host: stringValue(values, 'host') as string }),
              ...(token === undefined || token === '' ? {} : { token }),
            },
          }
        : 'stdio',
      env,
    })
    if (running.proxy.url !== undefined)
      output.info(`mima mcp proxy: serving MCP on ${running.proxy.url}. Ctrl-C stops.`)
    await new Promise<void>((resolveStop) => {
      const stop = (): void => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolveStop()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
      running.proxy.closed.then(stop, stop)
    })
    await running.close()
    return EXIT_CODES.ok
  } catch (error) {
    throw asCliError(error)
  }
}

async function runValidate(context: CommandContext): Promise<ExitCode> {
  const mcp = await loadMcpModule()
  try {
    const config = mcp.loadMcpConfig(configFile(context))
    if (context.output.json) {
      context.output.printJson({
        file: config.file,
        servers: config.servers.map(({ name, agent }) => ({ name, agent })),
      })
    } else {
      context.output.line(`${config.file}: ok, ${config.servers.length} server(s)`)
      for (const server of config.servers) context.output.line(`  ${server.name} → agent ${server.agent}`)
    }
    return EXIT_CODES.ok
  } catch (error) {
    throw asCliError(error)
  }
}

const configOption = {
  type: 'string',
  valueName: 'FILE',
  description: 'The proxy configuration (servers → agents, policies, tool risk and approvals)',
  defaultLabel: 'mima-mcp.yaml',
} as const

/** `mima mcp`. */
export const mcpCommand: CommandSpec = {
  name: 'mcp',
  summary: 'Govern MCP tool calls: a proxy with scope, PII, approvals, attestation and kill switch',
  usage: [
    'mcp proxy --config FILE [--server NAME] [--http [--port N] [--host H]] [-- COMMAND ARGS…]',
    'mcp validate --config FILE',
  ],
  description:
    'Put `mima mcp proxy` where an MCP client (Claude Desktop, Cursor, VS Code) starts an MCP server: it runs the server after `--` and governs every tools/call.',
  examples: [
    'mima mcp proxy --config mima-mcp.yaml -- npx -y @modelcontextprotocol/server-filesystem ~/notes',
    'mima mcp proxy --config mima-mcp.yaml --server github --http --port 8931',
    'mima mcp validate --config mima-mcp.yaml',
  ],
  subcommands: [
    {
      name: 'proxy',
      summary:
        'Serve one upstream MCP server through Mima governance (stdio, or Streamable HTTP with --http)',
      usage: ['mcp proxy --config FILE [--server NAME] [--http [--port N] [--host H]] [-- COMMAND ARGS…]'],
      positionals: { min: 0, max: 1000, names: '[-- COMMAND ARGS…]' },
      options: {
        config: configOption,
        server: {
          type: 'string',
          valueName: 'NAME',
          description: 'Which server of the configuration (needed when it names several)',
        },
        http: { type: 'boolean', description: 'Serve MCP over Streamable HTTP instead of stdio' },
        port: {
          type: 'string',
          valueName: 'N',
          description: 'HTTP port (with --http)',
          defaultLabel: 'a free port',
        },
        host: {
          type: 'string',
          valueName: 'HOST',
          description: 'HTTP interface (with --http)',
          defaultLabel: '127.0.0.1',
        },
      },
      notes:
        'The API key comes from MIMA_API_KEY or `mima login`, never from the file. With --http, set MIMA_MCP_PROXY_TOKEN to require `Authorization: Bearer <token>`. stdout carries the MCP protocol: messages go to stderr.',
      examples: ['mima mcp proxy --config mima-mcp.yaml -- npx -y @modelcontextprotocol/server-everything'],
      run: runProxy,
    },
    {
      name: 'validate',
      summary: 'Check a proxy configuration and list its servers',
      usage: ['mcp validate --config FILE [--json]'],
      options: { config: configOption },
      json: true,
      examples: [
        'mima mcp validate --config mima-mcp.yaml',
        'mima mcp validate --config ~/mima-mcp.yaml --json',
      ],
      run: runValidate,
    },
  ],
}

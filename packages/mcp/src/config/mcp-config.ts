import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, resolve } from 'node:path'
import { MimaError } from '@mima/core'
import { type PolicyDocument, parsePolicy, type RiskLevel } from '@mima/policy'
import { LineCounter, type Node, parseDocument } from 'yaml'
import type { McpToolRule } from '../governance/mcp-governance'
import type { McpUpstream } from '../proxy/upstream'

/** The `mima:` section: how the proxy reaches the Mima server and how it behaves when it cannot. */
export interface McpConfigMima {
  /** Server URL (else `MIMA_BASE_URL`, then `~/.mima/config.json`). The API key never goes here. */
  readonly baseUrl: string | undefined
  /** The AI system the attestations belong to (default `mcp-proxy`). */
  readonly systemName: string
  readonly failMode: 'closed' | 'open'
  readonly approvalTimeoutSeconds: number | undefined
  /** How long the last known kill state is trusted after losing the server, in seconds (default 30). */
  readonly killSwitchStaleSeconds: number | undefined
  /** Where approved tool definition hashes are kept (default `~/.mima/mcp-pins.json`; `false`: memory only). */
  readonly pinFile: string | undefined
}

/** One upstream server of the configuration. */
export interface McpConfigServer {
  readonly name: string
  readonly agent: string
  /** The command or URL; a command after `--` on the command line takes its place. */
  readonly upstream: McpUpstream | undefined
  readonly policy: PolicyDocument | undefined
  readonly allow: readonly string[]
  readonly hide: readonly string[]
  readonly tools: Readonly<Record<string, McpToolRule>>
  readonly descriptionCheck: boolean
  readonly onFlaggedTool: 'hide' | 'flag'
}

/** A validated `mima-mcp.yaml`. */
export interface McpConfig {
  readonly file: string
  readonly mima: McpConfigMima
  readonly servers: readonly McpConfigServer[]
}

/** One problem found in a configuration file, with where it is. */
export interface McpConfigIssue {
  /** `servers.github.tools.create_issue.risk` */
  readonly field: string
  readonly line: number | undefined
  readonly message: string
}

const RISKS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical']
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

type Path = readonly (string | number)[]

/**
 * Reads and validates a `mima-mcp.yaml`. Every problem is reported at once, each with its field
 * and line, in one `config_invalid` error (`details.issues`).
 *
 * @example
 * ```ts
 * const config = loadMcpConfig('mima-mcp.yaml')
 * config.servers[0].agent // 'coding-agent'
 * ```
 */
export function loadMcpConfig(file: string, text?: string): McpConfig {
  let source = text
  if (source === undefined) {
    try {
      source = readFileSync(file, 'utf8')
    } catch (error) {
      throw new MimaError(
        'config_missing',
        `The MCP proxy configuration ${file} cannot be read: ${(error as Error).message}`,
        {
          cause: error,
        },
      )
    }
  }
  return parseMcpConfig(source, file)
}

/** Validates a configuration's text (see {@link loadMcpConfig}); `file` resolves relative paths. */
export function parseMcpConfig(source: string, file: string): McpConfig {
  const lineCounter = new LineCounter()
  const document = parseDocument(source, { lineCounter, prettyErrors: false })
  const issues: McpConfigIssue[] = []
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as Node | undefined)?.range
    return range === undefined || range === null ? undefined : lineCounter.linePos(range[0]).line
  }
  for (const error of document.errors) {
    issues.push({
      field: '(yaml)',
      line: error.linePos?.[0]?.line,
      message: error.message.split('\n')[0] ?? '',
    })
  }
  if (issues.length > 0) throw configError(file, issues)

  const issue = (path: Path, message: string): undefined => {
    issues.push({ field: path.join('.') || '(root)', line: lineOf(document.getIn(path, true)), message })
    return undefined
  }
  let root: unknown
  try {
    root = document.toJS({ maxAliasCount: 100 })
  } catch (error) {
    // Aliases that expand without end (a "billion laughs" file) or nesting deeper than the stack.
    throw configError(file, [
      {
        field: '(yaml)',
        line: undefined,
        message: `the YAML cannot be expanded: ${(error as Error).message}`,
      },
    ])
  }
  const base = dirname(resolve(file))
  const inHome = (path: string): string =>
    path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : isAbsolute(path) ? path : resolve(base, path)

  const object = (value: unknown, path: Path): Record<string, unknown> | undefined => {
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'object' || Array.isArray(value)) return issue(path, 'must be a mapping')
    return value as Record<string, unknown>
  }
  const known = (value: Record<string, unknown> | undefined, path: Path, fields: readonly string[]): void => {
    for (const key of Object.keys(value ?? {})) {
      if (key === 'api_key')
        issue([...path, key], 'never put an API key in this file: set MIMA_API_KEY or run `mima login`')
      else if (!fields.includes(key))
        issue([...path, key], `unknown field (expected one of: ${fields.join(', ')})`)
    }
  }
  const string = (value: unknown, path: Path, required = false): string | undefined => {
    if (value === undefined || value === null) return required ? issue(path, 'is required') : undefined
    if (typeof value !== 'string' || value === '') return issue(path, 'must be a non-empty string')
    return value
  }
  const names = (value: unknown, path: Path): string[] => {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
      issue(path, 'must be a list of tool names (a trailing * matches a prefix)')
      return []
    }
    return value as string[]
  }
  const positive = (value: unknown, path: Path): number | undefined => {
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      return issue(path, 'must be a whole number ≥ 1')
    return value
  }
  const oneOf = <T extends string>(value: unknown, path: Path, options: readonly T[], fallback: T): T => {
    if (value === undefined || value === null) return fallback
    if (!options.includes(value as T)) {
      issue(path, `must be one of: ${options.join(', ')}`)
      return fallback
    }
    return value as T
  }

  const top = object(root, []) ?? issue([], 'the file must be a YAML mapping with a `servers` section')
  known(top, [], ['version', 'mima', 'servers'])
  if (top?.version !== undefined && top.version !== 1) issue(['version'], 'must be 1')
  const mimaSection = object(top?.mima, ['mima'])
  known(
    mimaSection,
    ['mima'],
    [
      'base_url',
      'system_name',
      'fail_mode',
      'approval_timeout_seconds',
      'kill_switch_stale_seconds',
      'pin_file',
    ],
  )
  const baseUrl = string(mimaSection?.base_url, ['mima', 'base_url'])
  if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl))
    issue(['mima', 'base_url'], 'must be an http(s) URL')
  const pinFile = mimaSection?.pin_file
  const mima: McpConfigMima = {
    baseUrl,
    systemName: string(mimaSection?.system_name, ['mima', 'system_name']) ?? 'mcp-proxy',
    failMode: oneOf(mimaSection?.fail_mode, ['mima', 'fail_mode'], ['closed', 'open'] as const, 'closed'),
    approvalTimeoutSeconds: positive(mimaSection?.approval_timeout_seconds, [
      'mima',
      'approval_timeout_seconds',
    ]),
    killSwitchStaleSeconds: positive(mimaSection?.kill_switch_stale_seconds, [
      'mima',
      'kill_switch_stale_seconds',
    ]),
    pinFile:
      pinFile === false
        ? undefined
        : inHome(string(pinFile, ['mima', 'pin_file']) ?? '~/.mima/mcp-pins.json'),
  }

  const serversSection = object(top?.servers, ['servers'])
  if (top !== undefined && serversSection === undefined && top.servers === undefined) {
    issue(['servers'], 'is required: map each upstream MCP server to an agent')
  }
  const servers: McpConfigServer[] = []
  for (const [name, raw] of Object.entries(serversSection ?? {})) {
    const path = ['servers', name]
    if (!NAME.test(name)) issue(path, "server names are 1–128 letters, digits, '_', '-' or '.'")
    const entry = object(raw, path)
    if (entry === undefined) {
      if (raw === undefined || raw === null) issue(path, 'needs at least an `agent`')
      continue
    }
    known(entry, path, [
      'agent',
      'command',
      'args',
      'env',
      'cwd',
      'url',
      'headers',
      'policy',
      'allow',
      'hide',
      'tools',
      'description_check',
      'on_flagged_tool',
    ])
    const agent = string(entry.agent, [...path, 'agent'], true)
    if (agent !== undefined && !NAME.test(agent))
      issue([...path, 'agent'], "is 1–128 letters, digits, '_', '-' or '.'")
    const upstream = upstreamOf(entry, path)
    const tools: Record<string, McpToolRule> = {}
    for (const [tool, rawRule] of Object.entries(object(entry.tools, [...path, 'tools']) ?? {})) {
      const rulePath = [...path, 'tools', tool]
      const rule = object(rawRule, rulePath) ?? {}
      known(rule, rulePath, ['risk', 'requires_approval', 'approved_sha256'])
      if (rule.requires_approval !== undefined && typeof rule.requires_approval !== 'boolean') {
        issue([...rulePath, 'requires_approval'], 'must be true or false')
      }
      const approved = string(rule.approved_sha256, [...rulePath, 'approved_sha256'])
      if (approved !== undefined && !/^[0-9a-f]{64}$/.test(approved)) {
        issue([...rulePath, 'approved_sha256'], 'must be 64 lowercase hex digits')
      }
      tools[tool] = {
        ...(rule.risk === undefined
          ? {}
          : { risk: oneOf(rule.risk, [...rulePath, 'risk'], RISKS, 'medium') }),
        ...(rule.requires_approval === true ? { requiresApproval: true } : {}),
        ...(approved === undefined ? {} : { approvedSha256: approved }),
      }
    }
    if (entry.description_check !== undefined && typeof entry.description_check !== 'boolean') {
      issue([...path, 'description_check'], 'must be true or false')
    }
    servers.push({
      name,
      agent: agent ?? '',
      upstream,
      policy: policyOf(entry.policy, [...path, 'policy']),
      allow: names(entry.allow, [...path, 'allow']),
      hide: names(entry.hide, [...path, 'hide']),
      tools,
      descriptionCheck: entry.description_check !== false,
      onFlaggedTool: oneOf(
        entry.on_flagged_tool,
        [...path, 'on_flagged_tool'],
        ['hide', 'flag'] as const,
        'hide',
      ),
    })
  }
  if (serversSection !== undefined && servers.length === 0 && issues.length === 0) {
    issue(['servers'], 'names no server')
  }
  if (issues.length > 0) throw configError(file, issues)
  return { file, mima, servers }

  function upstreamOf(entry: Record<string, unknown>, path: Path): McpUpstream | undefined {
    const command = string(entry.command, [...path, 'command'])
    const url = string(entry.url, [...path, 'url'])
    if (command !== undefined && url !== undefined)
      return issue(path, 'give either `command` or `url`, not both')
    if (url !== undefined) {
      if (!/^https?:\/\//.test(url)) return issue([...path, 'url'], 'must be an http(s) URL')
      const headers = stringMap(entry.headers, [...path, 'headers'])
      return { url, ...(headers === undefined ? {} : { headers }) }
    }
    if (command === undefined) {
      for (const field of ['args', 'env', 'cwd', 'headers']) {
        if (entry[field] !== undefined) issue([...path, field], 'needs a `command` (or `url`) next to it')
      }
      return undefined
    }
    const args = names(entry.args, [...path, 'args'])
    const env = stringMap(entry.env, [...path, 'env'])
    const cwd = string(entry.cwd, [...path, 'cwd'])
    return {
      command,
      args,
      ...(env === undefined ? {} : { env }),
      ...(cwd === undefined ? {} : { cwd: inHome(cwd) }),
    }
  }

  function stringMap(value: unknown, path: Path): Record<string, string> | undefined {
    const map = object(value, path)
    if (map === undefined) return undefined
    for (const [key, item] of Object.entries(map)) {
      if (typeof item !== 'string') issue([...path, key], 'must be a string')
    }
    return map as Record<string, string>
  }

  function policyOf(value: unknown, path: Path): PolicyDocument | undefined {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') {
      const policyFile = inHome(value)
      let text: string
      try {
        text = readFileSync(policyFile, 'utf8')
      } catch (error) {
        return issue(path, `the policy file ${policyFile} cannot be read (${(error as Error).message})`)
      }
      try {
        return parsePolicy(text, { file: policyFile })
      } catch (error) {
        return issue(path, (error as Error).message)
      }
    }
    const inline = object(value, path)
    if (inline === undefined) return undefined
    try {
      return parsePolicy(JSON.stringify(inline), { file: `${file} (${path.join('.')})` })
    } catch (error) {
      return issue(path, (error as Error).message)
    }
  }
}

function configError(file: string, issues: readonly McpConfigIssue[]): MimaError {
  const lines = issues.map(
    (item) => `  ${file}${item.line === undefined ? '' : `:${item.line}`} ${item.field}: ${item.message}`,
  )
  return new MimaError(
    'config_invalid',
    `The MCP proxy configuration has ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
    { details: { issues: issues.map((item) => ({ ...item })) } },
  )
}

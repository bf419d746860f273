import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative, sep } from 'node:path'
import { findNodeAtLocation, type Node as JsonNode, parseTree } from 'jsonc-parser'
import { isMap, isScalar, parseDocument } from 'yaml'

/** An MCP server named in an MCP client's or the Mima proxy's configuration file. */
export interface McpConfigServer {
  /** The server's name in the file. */
  readonly name: string
  /** The client whose file it is: `claude-desktop`, `claude-code`, `cursor`, `vscode` or `mima-mcp`. */
  readonly client: string
  readonly transport: 'stdio' | 'http'
  /** The command line (stdio) or the URL (http). */
  readonly target: string
  /** Started through `mima mcp proxy` (or listed in a `mima-mcp.yaml`). */
  readonly governed: boolean
  readonly file: string
  readonly line: number
}

/** The files MCP clients keep their servers in, by how the path ends. */
const CONFIG_FILES: ReadonlyArray<{ readonly matches: (path: string) => boolean; readonly client: string }> =
  [
    { matches: (path) => basename(path) === 'claude_desktop_config.json', client: 'claude-desktop' },
    { matches: (path) => path.endsWith(`${sep}.cursor${sep}mcp.json`), client: 'cursor' },
    { matches: (path) => path.endsWith(`${sep}.vscode${sep}mcp.json`), client: 'vscode' },
    { matches: (path) => basename(path) === '.mcp.json', client: 'claude-code' },
    { matches: (path) => /^mima-mcp\.ya?ml$/.test(basename(path)), client: 'mima-mcp' },
  ]

const SKIPPED = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'out',
  'coverage',
  '.turbo',
  '.next',
  '.cache',
])
const MAX_DEPTH = 8
const MAX_FILE_BYTES = 1024 * 1024

const GOVERNED = [
  /(^|[\s/\\])mima(\.js|\.cmd)?\s+mcp\s+proxy(\s|$)/,
  /@mima\/cli\S*\s+(\S+\s+)*mcp\s+proxy(\s|$)/,
]

function configFiles(root: string): string[] {
  const found: string[] = []
  const visit = (directory: string, depth: number): void => {
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(directory, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !SKIPPED.has(entry.name)) visit(path, depth + 1)
      } else if (entry.isFile() && CONFIG_FILES.some((kind) => kind.matches(path))) {
        found.push(path)
      }
    }
  }
  try {
    if (statSync(root).isDirectory()) visit(root, 0)
    else if (CONFIG_FILES.some((kind) => kind.matches(root))) found.push(root)
  } catch {
    // A path that does not exist is the source scan's to report.
  }
  return found
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length

interface ServerEntry {
  readonly name: string
  readonly value: Record<string, unknown>
  readonly offset: number
}

function jsonEntries(text: string): ServerEntry[] {
  const tree = parseTree(text, [], { allowTrailingComma: true })
  if (tree === undefined) return []
  const section: JsonNode | undefined =
    findNodeAtLocation(tree, ['mcpServers']) ?? findNodeAtLocation(tree, ['servers'])
  if (section?.type !== 'object') return []
  const entries: ServerEntry[] = []
  for (const property of section.children ?? []) {
    const [key, value] = property.children ?? []
    if (key === undefined || value?.type !== 'object') continue
    const plain = (node: JsonNode): unknown =>
      node.type === 'object'
        ? Object.fromEntries(
            (node.children ?? []).map((child) => [
              child.children?.[0]?.value,
              plain(child.children?.[1] as JsonNode),
            ]),
          )
        : node.type === 'array'
          ? (node.children ?? []).map(plain)
          : node.value
    entries.push({
      name: String(key.value),
      value: plain(value) as Record<string, unknown>,
      offset: key.offset,
    })
  }
  return entries
}

function yamlEntries(text: string): ServerEntry[] {
  const document = parseDocument(text)
  if (document.errors.length > 0) return []
  const servers = (document.toJS({ maxAliasCount: 100 }) as { servers?: unknown } | null)?.servers
  if (typeof servers !== 'object' || servers === null) return []
  const section = document.get('servers', true)
  const keyOffset = (name: string): number => {
    if (!isMap(section)) return 0
    const pair = section.items.find((item) => isScalar(item.key) && String(item.key.value) === name)
    return (isScalar(pair?.key) ? pair.key.range?.[0] : undefined) ?? 0
  }
  return Object.entries(servers as Record<string, unknown>).map(([name, value]) => ({
    name,
    value: typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {},
    offset: keyOffset(name),
  }))
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []

/**
 * Finds the MCP servers named in MCP clients' configuration files under `roots`
 * (`claude_desktop_config.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, `.mcp.json`) and in
 * `mima-mcp.yaml` files, and whether each is started through `mima mcp proxy`. Paths in the
 * answer are relative to `cwd`.
 */
export function findMcpConfigServers(roots: readonly string[], cwd: string): McpConfigServer[] {
  const servers: McpConfigServer[] = []
  const seen = new Set<string>()
  for (const root of roots) {
    for (const file of configFiles(root)) {
      if (seen.has(file)) continue
      seen.add(file)
      let text: string
      try {
        if (statSync(file).size > MAX_FILE_BYTES) continue
        text = readFileSync(file, 'utf8')
      } catch {
        continue
      }
      const client = CONFIG_FILES.find((kind) => kind.matches(file))?.client ?? 'unknown'
      let entries: ServerEntry[]
      try {
        entries = client === 'mima-mcp' ? yamlEntries(text) : jsonEntries(text)
      } catch {
        // A file built to exhaust the reader (aliases that expand without end, nesting deeper
        // than the stack) is skipped like any other unreadable configuration.
        continue
      }
      for (const entry of entries) {
        const url = typeof entry.value.url === 'string' ? entry.value.url : undefined
        const command = typeof entry.value.command === 'string' ? entry.value.command : undefined
        if (url === undefined && command === undefined && client !== 'mima-mcp') continue
        const target = url ?? [command ?? '', ...strings(entry.value.args)].join(' ').trim()
        servers.push({
          name: entry.name,
          client,
          transport: url === undefined ? 'stdio' : 'http',
          target: target === '' ? '(from the command line)' : target,
          governed: client === 'mima-mcp' || GOVERNED.some((pattern) => pattern.test(target)),
          file: relative(cwd, file).split(sep).join('/'),
          line: lineAt(text, entry.offset),
        })
      }
    }
  }
  return servers
}

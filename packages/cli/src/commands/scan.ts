import { readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import type { RuntimeEvent, ScanResult } from '@mima/scanner'
import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec, OptionSpecs } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, parseIntegerText, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import type { Output } from '../output/output'
import { printScanReport } from './scan-report'

/** The walk flags shared by `scan`, `init` and `test --coverage`. */
export const SCAN_WALK_OPTIONS: OptionSpecs = {
  include: {
    type: 'string',
    multiple: true,
    valueName: 'GLOB',
    description: 'Only scan matching files (repeatable)',
  },
  exclude: {
    type: 'string',
    multiple: true,
    valueName: 'GLOB',
    description: 'Skip matching files (repeatable)',
  },
  'no-default-excludes': {
    type: 'boolean',
    description: 'Also scan node_modules, build output and tests',
  },
  'no-gitignore': { type: 'boolean', description: 'Do not honour .gitignore files' },
}

/** The scanned project's package name, or its directory's name when it has no package.json. */
function projectName(directory: string): string {
  try {
    const name = (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: unknown })
      .name
    if (typeof name === 'string' && name !== '') return name
  } catch {
    // no readable package.json: the directory names the project
  }
  return basename(directory)
}

function listValue(context: CommandContext, name: string): string[] {
  const value = context.values[name]
  return Array.isArray(value) ? (value as string[]) : typeof value === 'string' ? [value] : []
}

/** Runs a scan with the walk flags of `context`, showing a progress bar on a terminal for large trees. */
export async function scanWithFlags(
  context: CommandContext,
  paths: readonly string[],
  extra: { workers?: number } = {},
): Promise<ScanResult> {
  const { scan } = await import('@mima/scanner')
  const progress = progressBar(context.output)
  try {
    return await scan(paths, {
      include: listValue(context, 'include'),
      exclude: listValue(context, 'exclude'),
      defaultExcludes: !booleanValue(context.values, 'no-default-excludes'),
      gitignore: !booleanValue(context.values, 'no-gitignore'),
      ...(extra.workers === undefined ? {} : { workers: extra.workers }),
      ...(progress ? { onProgress: progress } : {}),
    })
  } catch (error) {
    if (error instanceof Error && /path not found/.test(error.message))
      throw new RefusedError(`${context.commandPath}: ${error.message}`)
    throw error
  } finally {
    if (progress) context.output.info('')
  }
}

function progressBar(output: Output): ((done: number, total: number) => void) | undefined {
  if (output.json || !output.isTTY || !(process.stderr as NodeJS.WriteStream).isTTY) return undefined
  return (done, total) => {
    if (total < 200) return
    const width = 30
    const filled = Math.round((done / total) * width)
    process.stderr.write(
      `\rScanning ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total} files`,
    )
  }
}

/** Loads runtime reports: a guard JSONL log path, or `server` (the configured Mima server). */
async function loadRuntime(context: CommandContext, source: string): Promise<RuntimeEvent[]> {
  if (source === 'server' || /^https?:\/\//.test(source)) {
    const session = await openSession(
      /^https?:\/\//.test(source) ? { ...context, baseUrlFlag: source } : context,
      { timeoutMs: 30_000 },
    )
    const events: RuntimeEvent[] = []
    let cursor: string | undefined
    for (let page = 0; page < 50; page++) {
      const query = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) })
      const response = await session.api.request<{ events?: RuntimeEvent[]; next_cursor?: string | null }>(
        'GET',
        session.api.workspacePath(`scanner/runtime-events?${query}`),
      )
      events.push(...(response.events ?? []))
      if (!response.next_cursor) break
      cursor = response.next_cursor
    }
    return events
  }
  const { readGuardLog } = await import('@mima/scanner')
  const path = source === 'guard' ? join(homedir(), '.mima', 'guard_log.jsonl') : resolve(source)
  return readGuardLog(path)
}

/** Files the scan could not fully see, on stderr: one line each, errors first. */
function printProblems(output: Output, problems: ScanResult['problems']): void {
  if (problems.length === 0) return
  const errors = problems.filter((problem) => problem.severity === 'error')
  const shown = [...errors, ...problems.filter((problem) => problem.severity === 'warning')]
  output.info(
    errors.length > 0
      ? `mima scan: ${errors.length} file(s) not fully analysed; AI calls in them may be missing (--strict fails on this):`
      : `mima scan: ${problems.length} file(s) with parse errors (analysed as far as they parse):`,
  )
  for (const problem of shown.slice(0, 50)) output.info(`  ${problem.file}: ${problem.message}`)
  if (shown.length > 50) output.info(`  … and ${shown.length - 50} more`)
}

async function runScan(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const paths = context.positionals.length > 0 ? [...context.positionals] : ['.']
  const bomFormat = stringValue(values, 'bom')
  if (bomFormat !== undefined && bomFormat !== 'cyclonedx')
    throw new UsageError(`mima scan: --bom takes "cyclonedx"; got "${bomFormat}".`)
  const workersText = stringValue(values, 'workers')
  const workers =
    workersText === undefined ? undefined : parseIntegerText('workers', workersText, { min: 0, max: 64 })
  const result = await scanWithFlags(context, paths, workers === undefined ? {} : { workers })
  const runtimeSource = stringValue(values, 'runtime')
  const { joinRuntime, buildAiBom, serializeAiBom } = await import('@mima/scanner')
  const runtimeEvents = runtimeSource === undefined ? undefined : await loadRuntime(context, runtimeSource)
  if (runtimeEvents?.length === 0)
    output.info(
      `mima scan: no runtime AI calls found in ${runtimeSource} (is the guard enabled and reporting?)`,
    )
  const runtime = runtimeEvents === undefined ? undefined : joinRuntime(result, runtimeEvents)

  if (bomFormat) {
    const file = resolve(stringValue(values, 'output') ?? 'ai-bom.cdx.json')
    const name = projectName(resolve(paths[0] ?? '.'))
    writeFileSync(file, `${serializeAiBom(buildAiBom(result, { name }))}\n`)
    output.info(`AI bill of materials (CycloneDX 1.6) written to ${file}`)
  }

  if (output.json) {
    const records = result.findings.map((finding) => ({
      file: finding.file,
      line: finding.line,
      column: finding.column,
      library: finding.library,
      operation: finding.operation,
      attested: finding.attested,
      confidence: finding.confidence,
      kind: finding.kind,
    }))
    const mcpServers = result.mcpServers.map((server) => ({
      file: server.file,
      line: server.line,
      source: server.source ?? 'code',
      transport: server.transport,
      target: server.target,
      name: server.name ?? null,
      client: server.client ?? null,
      governed: server.governed ?? null,
    }))
    output.printJson({
      findings: records,
      mcp_servers: mcpServers,
      ...(result.problems.length === 0 ? {} : { problems: result.problems }),
      ...(runtime === undefined
        ? {}
        : {
            runtime: {
              events: runtime.events,
              attested_events: runtime.attestedEvents,
              attested_share: runtime.attestedShare,
              unmatched: runtime.unmatched,
              seen: runtime.seen.map((site) => ({
                file: site.finding.file,
                line: site.finding.line,
                attested: site.finding.attested,
                calls: site.calls,
                attested_calls: site.attestedCalls,
              })),
            },
          }),
    })
  } else printScanReport(output, result, runtime)
  printProblems(output, result.problems)

  const unanalysed = result.problems.some((problem) => problem.severity === 'error')
  if (booleanValue(values, 'strict') && (result.unattested > 0 || unanalysed)) return EXIT_CODES.failed
  return EXIT_CODES.ok
}

/** `mima scan`. */
export const scanCommand: CommandSpec = {
  name: 'scan',
  summary: 'Find AI call sites no attestation covers (TS/JS), coverage, AI bill of materials',
  usage: [
    'scan [PATH…] [--strict] [--json] [--include GLOB] [--exclude GLOB] [--bom cyclonedx] [--runtime LOG|server]',
  ],
  description:
    'Parses .ts .tsx .mts .cts .js .jsx .mjs .cjs with oxc-parser, honouring .gitignore, and reports every call into\n' +
    'an AI SDK (openai, @anthropic-ai/sdk, ai, @langchain/*, LangGraph, llamaindex, Mastra, Genkit, Google, Azure,\n' +
    'Bedrock, Mistral, Cohere, Groq, Together, Hugging Face, Replicate, Ollama, @openai/agents, MCP callTool) with\n' +
    'whether mima.attest, @attest, mima.trace or a wrapped client covers it.\n' +
    'Confidence is high for resolved calls and low for heuristics; --strict fails on high-confidence gaps.',
  positionals: { min: 0, max: 50, names: '[PATH…]' },
  options: {
    strict: {
      type: 'boolean',
      description: 'Exit 1 when any high-confidence call site is unattested or a file could not be analysed',
    },
    ...SCAN_WALK_OPTIONS,
    bom: { type: 'string', valueName: 'FORMAT', description: 'Write an AI bill of materials (cyclonedx)' },
    output: {
      type: 'string',
      short: 'o',
      valueName: 'FILE',
      description: 'Where --bom writes',
      defaultLabel: 'ai-bom.cdx.json',
    },
    runtime: {
      type: 'string',
      valueName: 'SOURCE',
      description:
        'Join runtime reports: a guard log path, `guard` (~/.mima/guard_log.jsonl), `server` or a server URL',
    },
    workers: {
      type: 'string',
      valueName: 'N',
      description: 'Worker threads (0 = none)',
      defaultLabel: 'auto',
    },
  },
  json: true,
  examples: [
    'mima scan src --strict',
    'mima scan . --json --exclude "**/generated/**"',
    'mima scan . --bom cyclonedx -o ai-bom.cdx.json',
    'mima scan . --runtime ~/.mima/guard_log.jsonl',
  ],
  notes:
    'Exit codes: 0 scanned (1 with --strict when unattested calls were found or a file could not be analysed),\n' +
    '1 path not found, 2 usage.',
  run: runScan,
}

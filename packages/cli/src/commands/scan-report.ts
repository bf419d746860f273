import { possibleControls, type RecordType } from '@mima/grc'
import type { RuntimeJoin, ScanFinding, ScanResult } from '@mima/scanner'
import type { Output } from '../output/output'

/** Record types whose evidence attesting calls through each library supports (the compliance hint). */
const LIBRARY_RECORD_TYPES: Readonly<Record<string, readonly RecordType[]>> = {
  openai: ['ai_risk_assessment', 'model_evaluation', 'human_oversight'],
  '@anthropic-ai/sdk': ['ai_risk_assessment', 'model_evaluation', 'human_oversight'],
  langchain: ['ai_risk_assessment', 'model_evaluation'],
  ai: ['ai_risk_assessment', 'model_evaluation'],
  '@openai/agents': ['ai_risk_assessment', 'human_oversight'],
  '@modelcontextprotocol/sdk': ['ai_risk_assessment', 'human_oversight'],
}

const FRAMEWORK_LABELS: Readonly<Record<string, string>> = {
  eu_ai_act: 'EU AI Act',
  iso_42001: 'ISO 42001',
  nist_airf: 'NIST AI RMF',
  soc2_type2: 'SOC 2 Type II',
  iso_27001: 'ISO 27001:2022',
}

/** Which controls attesting the found calls would evidence, per framework, and the quickest win. */
export function complianceHint(result: ScanResult): {
  frameworks: Array<{ framework: string; controls: number }>
  quickestWin?: { recordType: RecordType; controls: number }
} {
  const recordTypes = new Set<RecordType>()
  for (const finding of result.findings) {
    for (const recordType of LIBRARY_RECORD_TYPES[finding.library] ?? ['ai_risk_assessment'])
      recordTypes.add(recordType as RecordType)
  }
  const perFramework = new Map<string, Set<string>>()
  let quickestWin: { recordType: RecordType; controls: number } | undefined
  for (const recordType of recordTypes) {
    const controls = possibleControls(recordType)
    if (!quickestWin || controls.length > quickestWin.controls)
      quickestWin = { recordType, controls: controls.length }
    for (const control of controls) {
      const set = perFramework.get(control.framework) ?? new Set<string>()
      set.add(control.control_id)
      perFramework.set(control.framework, set)
    }
  }
  const frameworks = [...perFramework.entries()]
    .map(([framework, controls]) => ({ framework, controls: controls.size }))
    .sort((a, b) => b.controls - a.controls || a.framework.localeCompare(b.framework))
  return quickestWin ? { frameworks, quickestWin } : { frameworks }
}

function site(finding: ScanFinding): string {
  return `${finding.file}:${finding.line}:${finding.column}`
}

/** Prints the human report of a scan. */
export function printScanReport(output: Output, result: ScanResult, runtime?: RuntimeJoin): void {
  const { colors } = output
  const seconds = `${result.durationMs}ms`
  if (result.findings.length === 0) {
    output.line(`No AI call sites found in ${result.filesScanned} files. (${seconds})`)
    printMcpServers(output, result)
    return
  }
  const unattested = result.findings.filter((finding) => finding.confidence === 'high' && !finding.attested)
  const low = result.findings.filter((finding) => finding.confidence === 'low' && !finding.attested)
  const coverage = Math.floor(result.coverage * 100)
  output.line(
    `${colors.bold(String(result.unattested))} unattested  ·  ${result.attested} attested  ·  ${result.lowConfidence} low-confidence  ·  ${coverage}% coverage  (${result.filesScanned} files, ${seconds})`,
  )
  const width = Math.max(...result.findings.map((finding) => site(finding).length))
  const row = (finding: ScanFinding): string =>
    `  ${site(finding).padEnd(width)}  ${finding.library} ${finding.operation}${finding.kind === 'tool' ? ' (tool call)' : ''}`
  if (unattested.length > 0) {
    output.line()
    output.line(colors.red('UNATTESTED — wrap in mima.attest(...) or decorate with @mima.attest():'))
    for (const finding of unattested) output.line(row(finding))
  }
  if (low.length > 0) {
    output.line()
    output.line(colors.yellow('LOW CONFIDENCE — review by hand (the receiver could not be resolved):'))
    for (const finding of low) output.line(row(finding))
  }
  output.line()
  output.line(`${result.attested} attested call site(s) covered by mima.attest / trace / wrapped clients.`)
  if (runtime) printRuntime(output, runtime)
  printMcpServers(output, result)
  if (unattested.length > 0) {
    output.line()
    output.line('Fix:')
    output.line(
      colors.dim(
        "  const answer = mima.attest({ toolName: 'answer' }, async (question) => client.responses.create(…))",
      ),
    )
    output.line(colors.dim('Use --strict in CI to fail the build on unattested calls.'))
    const hint = complianceHint(result)
    if (hint.frameworks.length > 0) {
      output.line()
      output.line(`Attesting ${unattested.length} call(s) would generate evidence across:`)
      for (const entry of hint.frameworks)
        output.line(
          `  ${(FRAMEWORK_LABELS[entry.framework] ?? entry.framework).padEnd(16)} ${entry.controls} control(s)`,
        )
      if (hint.quickestWin)
        output.line(
          `Quickest win: push one ${hint.quickestWin.recordType} record to evidence ${hint.quickestWin.controls} controls (mima push ${hint.quickestWin.recordType} --dry-run).`,
        )
    }
  }
}

/** The MCP servers the code connects to and those MCP clients' configuration files name. */
function printMcpServers(output: Output, result: ScanResult): void {
  if (result.mcpServers.length === 0) return
  output.line()
  output.line(`MCP servers (${result.mcpServers.length}):`)
  for (const server of result.mcpServers) {
    const where = `${server.file}:${server.line}`
    const what =
      server.source === 'config'
        ? `${server.client} "${server.name}" ${server.governed ? 'governed by mima mcp proxy' : output.colors.yellow('not governed')}`
        : 'in code'
    output.line(`  ${where}  ${server.transport} ${server.target}  (${what})`)
  }
  if (result.mcpServers.some((server) => server.source === 'config' && server.governed === false)) {
    output.line(
      output.colors.dim(
        '  Govern a server: put `mima mcp proxy --config mima-mcp.yaml --` before its command (docs/mcp.md).',
      ),
    )
  }
}

function printRuntime(output: Output, runtime: RuntimeJoin): void {
  output.line()
  output.line(
    `Runtime: ${runtime.events} AI call(s) reported, ${Math.floor(runtime.attestedShare * 100)}% attested; ${runtime.seen.length} static site(s) seen running, ${runtime.unmatched} call(s) matched no site.`,
  )
  if (runtime.unattestedSeen.length > 0) {
    output.line(output.colors.red('Unattested sites seen running (fix these first):'))
    for (const entry of runtime.unattestedSeen)
      output.line(
        `  ${site(entry.finding)}  ${entry.finding.library} ${entry.finding.operation}  ${entry.calls} call(s)`,
      )
  }
}

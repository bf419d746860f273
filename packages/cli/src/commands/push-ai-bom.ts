import { readFileSync } from 'node:fs'
import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandSpec, CustomParseContext } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { formatCommandHelp } from '../cli/help'
import { parseCommandArgs, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'

/** `mima push ai-bom`: its own help and flags (it is not one of the 13 GRC record types). */
export const pushAiBomSpec: CommandSpec = {
  name: 'ai-bom',
  summary: 'Send a CycloneDX AI bill of materials (mima scan --bom cyclonedx) as evidence for a system',
  usage: ['push ai-bom --file ai-bom.cdx.json --system NAME'],
  options: {
    file: { type: 'string', valueName: 'FILE', description: 'The BOM', defaultLabel: 'ai-bom.cdx.json' },
    system: { type: 'string', valueName: 'NAME', description: 'The AI system it describes', required: true },
  },
  json: true,
  examples: ['mima scan . --bom cyclonedx && mima push ai-bom --system checkout'],
}

/** Runs `mima push ai-bom …` (argv without the `ai-bom` token). */
export async function pushAiBom(context: CustomParseContext, argv: readonly string[]): Promise<ExitCode> {
  const parsed = parseCommandArgs(argv, pushAiBomSpec.options ?? {}, 'mima push ai-bom')
  if (parsed.values.help === true) {
    context.output.line(formatCommandHelp(pushAiBomSpec, 'mima push ai-bom').trimEnd())
    return EXIT_CODES.ok
  }
  const system = stringValue(parsed.values, 'system')
  if (!system) throw new UsageError('mima push ai-bom: missing required flag(s): --system')
  const file = stringValue(parsed.values, 'file') ?? 'ai-bom.cdx.json'
  let bom: unknown
  try {
    bom = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new RefusedError(`mima push ai-bom: cannot read ${file} as JSON (${(error as Error).message})`)
  }
  const session = await openSession({ ...context, commandPath: 'mima push ai-bom' })
  const stored = await session.api.request<{
    bom_id: string
    digest: string
    components: number
    services: number
  }>('POST', session.api.workspacePath('scanner/ai-boms'), { body: { system_name: system, bom } })
  if (context.output.json) context.output.printJson(stored)
  else {
    context.output.line(`ai-bom  ·  stored for ${system}`)
    context.output.line(`  BOM id      ${stored.bom_id}`)
    context.output.line(`  SHA-256     ${stored.digest}`)
    context.output.line(`  Components  ${stored.components}, services ${stored.services}`)
  }
  return EXIT_CODES.ok
}

import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandSpec, CustomParseContext, OptionSpecs, OptionValues } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { formatCommandHelp } from '../cli/help'
import {
  booleanValue,
  parseBooleanText,
  parseCommandArgs,
  parseIntegerText,
  parseListText,
  parseNumberText,
  stringValue,
  suggest,
} from '../cli/parse-args'
import { openSession } from '../cli/session'
import { frameworkLabel, padStart, table } from '../output/format'
import type { EarnedControl } from './grc-bridge'
import {
  buildEvalFileRecords,
  EVAL_FILE_OPTIONS,
  pushEvalFileRecords,
  readsEvalFile,
} from './push-from-evals'
import { findPushRecord, PUSH_RECORDS, type PushRecordSpec, pushFlagOptions } from './push-records'
import { readinessDelta, tryFetchReadiness } from './readiness'

/** The GRC wire record the server takes (reference §1.5). */
export interface WireRecord {
  record_type: string
  payload: Record<string, unknown>
  system_name: string
  identity?: string
  resource?: string
  environment?: string
  occurred_at?: string
}

const PUSH_OPTIONS: OptionSpecs = {
  'dry-run': {
    type: 'boolean',
    description: 'Build and check the record, show the controls it earns; send nothing (no login needed)',
  },
  stdin: {
    type: 'boolean',
    description: 'Read the whole record as JSON from stdin (validated before sending)',
  },
  'no-delta': { type: 'boolean', description: 'Skip the readiness before/after comparison' },
  'system-name': {
    type: 'string',
    valueName: 'NAME',
    description: 'The system the record belongs to, when the type has no system flag',
    defaultLabel: 'MIMA_SYSTEM_NAME or mima-cli',
  },
}

/**
 * The flags of one record type. Types whose system comes from one of their own flags (`--system`)
 * do not take `--system-name`: a flag that would be ignored is refused instead.
 */
function optionsFor(spec: PushRecordSpec): OptionSpecs {
  const { 'system-name': systemName, ...common } = PUSH_OPTIONS
  const ownSystem = spec.systemName !== undefined || spec.flags.some((flag) => flag.target === 'system_name')
  return {
    ...pushFlagOptions(spec),
    ...(spec.recordType === 'model_evaluation' ? EVAL_FILE_OPTIONS : {}),
    ...common,
    ...(ownSystem || !systemName ? {} : { 'system-name': systemName }),
  }
}

const BOOLEAN_FLAGS = new Set([
  '--dry-run',
  '--stdin',
  '--no-delta',
  '--json',
  '--no-color',
  '--color',
  '--help',
  '-h',
])

function defaultSystemName(values: OptionValues, env: NodeJS.ProcessEnv): string {
  return stringValue(values, 'system-name') ?? (env.MIMA_SYSTEM_NAME?.trim() || 'mima-cli')
}

function convert(flag: PushRecordSpec['flags'][number], text: string): unknown {
  switch (flag.kind) {
    case 'boolean':
      return parseBooleanText(flag.name, text)
    case 'integer':
      return parseIntegerText(flag.name, text)
    case 'number':
      return parseNumberText(flag.name, text)
    case 'list':
      return parseListText(text)
    case 'json': {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new UsageError(`--${flag.name} must be a JSON object, got '${text}'`)
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new UsageError(`--${flag.name} must be a JSON object, got '${text}'`)
      }
      return parsed
    }
    default:
      return text
  }
}

/**
 * Builds the wire record for `spec` from parsed flags. Missing flags and malformed values
 * are usage errors (exit 2); values outside the allowed set are refused (exit 1).
 */
export function buildWireRecord(
  spec: PushRecordSpec,
  values: OptionValues,
  env: NodeJS.ProcessEnv,
  now: Date = new Date(),
): WireRecord {
  const missing = spec.flags.filter((flag) => flag.required && stringValue(values, flag.name) === undefined)
  if (missing.length > 0) {
    throw new UsageError(
      `mima push ${spec.recordType}: missing required flag${missing.length > 1 ? 's' : ''} ${missing.map((flag) => `--${flag.name}`).join(', ')}`,
      { hint: `Run \`mima push ${spec.recordType} --help\` for its flags.` },
    )
  }
  const payload: Record<string, unknown> = {}
  const top: Partial<WireRecord> = {}
  for (const flag of spec.flags) {
    const text = stringValue(values, flag.name)
    const value = text === undefined ? flag.defaultValue : convert(flag, text)
    if (value === undefined) continue
    if (flag.allowed && !flag.allowed.includes(String(value))) {
      const guess = suggest(String(value), flag.allowed)
      throw new RefusedError(
        `${spec.recordType}: --${flag.name} must be one of ${flag.allowed.join(', ')}; got '${String(value)}'${guess ? ` (did you mean ${guess}?)` : ''}`,
      )
    }
    if (typeof flag.target === 'object') payload[flag.target.payload] = value
    else top[flag.target] = String(value)
  }
  spec.finish?.(payload)
  const systemName =
    top.system_name ??
    (spec.systemName ? String(payload[spec.systemName]) : undefined) ??
    defaultSystemName(values, env)
  const record: WireRecord = {
    record_type: spec.recordType,
    payload,
    system_name: systemName,
    occurred_at: top.occurred_at ?? now.toISOString(),
  }
  const identity = top.identity ?? (spec.identity ? payload[spec.identity] : undefined)
  if (identity !== undefined) record.identity = String(identity)
  const resource =
    typeof spec.resource === 'function'
      ? spec.resource(payload, systemName)
      : spec.resource
        ? payload[spec.resource]
        : undefined
  if (resource !== undefined) record.resource = String(resource)
  const environment = top.environment ?? (spec.environment ? payload[spec.environment] : undefined)
  if (environment !== undefined) record.environment = String(environment)
  return record
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** Parses and checks a record given on stdin (exit 1 when it is not a valid record). */
export function parseStdinRecord(text: string, env: NodeJS.ProcessEnv, values: OptionValues): WireRecord {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new RefusedError(`--stdin: not valid JSON (${(error as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RefusedError('--stdin: expected one JSON object with record_type and payload')
  }
  const record = parsed as Record<string, unknown>
  if (typeof record.record_type !== 'string' || !findPushRecord(record.record_type)) {
    throw new RefusedError(
      `--stdin: record_type must be one of ${PUSH_RECORDS.map((spec) => spec.recordType).join(', ')}; got ${JSON.stringify(record.record_type)}`,
    )
  }
  if (typeof record.payload !== 'object' || record.payload === null || Array.isArray(record.payload)) {
    throw new RefusedError('--stdin: payload must be a JSON object')
  }
  for (const field of ['system_name', 'identity', 'resource', 'environment', 'occurred_at']) {
    if (record[field] !== undefined && typeof record[field] !== 'string') {
      throw new RefusedError(`--stdin: ${field} must be a string`)
    }
  }
  const allowed = new Set([
    'record_type',
    'payload',
    'system_name',
    'identity',
    'resource',
    'environment',
    'occurred_at',
    'client_sig',
    'client_sig_algo',
    'idempotency_key',
  ])
  const unknown = Object.keys(record).filter((key) => !allowed.has(key))
  if (unknown.length > 0)
    throw new RefusedError(`--stdin: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
  return {
    ...(record as unknown as WireRecord),
    system_name: (record.system_name as string | undefined) ?? defaultSystemName(values, env),
  }
}

function findRecordTypeIndex(argv: readonly string[]): number {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!
    if (token === '--') return -1
    if (token.startsWith('-')) {
      if (!BOOLEAN_FLAGS.has(token) && !token.includes('=')) index++
      continue
    }
    return index
  }
  return -1
}

function typeHelp(spec: PushRecordSpec): CommandSpec {
  return {
    name: spec.recordType,
    summary: spec.summary,
    usage: [`push ${spec.recordType} [flags]`, `push ${spec.recordType} --dry-run [flags]`],
    description: `${spec.summary}. Record type ${spec.recordType}.`,
    options: optionsFor(spec),
    json: true,
    examples: [spec.example, `${spec.example.replace('mima push', 'mima push --dry-run')}`],
  }
}

function printControls(output: CustomParseContext['output'], controls: readonly EarnedControl[]): void {
  if (controls.length === 0) {
    output.line('  (no controls)')
    return
  }
  const rows = controls.map((control) => [
    `  ${control.control_id}`,
    frameworkLabel(control.framework),
    control.title ?? '',
  ])
  for (const line of table(rows)) output.line(line)
}

async function runPush(context: CustomParseContext): Promise<ExitCode> {
  const { output } = context
  // `mima push ai-bom` (scanner): an AI bill of materials, not a GRC record type.
  const aiBomIndex = context.argv.indexOf('ai-bom')
  if (aiBomIndex !== -1 && context.argv.slice(0, aiBomIndex).every((token) => token.startsWith('-'))) {
    const { pushAiBom } = await import('./push-ai-bom')
    return pushAiBom(
      context,
      context.argv.filter((_, index) => index !== aiBomIndex),
    )
  }
  const typeIndex = findRecordTypeIndex(context.argv)
  const recordTypeArg = typeIndex === -1 ? undefined : context.argv[typeIndex]
  const rest = typeIndex === -1 ? [...context.argv] : context.argv.filter((_, index) => index !== typeIndex)
  const spec = recordTypeArg === undefined ? undefined : findPushRecord(recordTypeArg)
  if (recordTypeArg !== undefined && !spec) {
    const guess = suggest(
      recordTypeArg,
      PUSH_RECORDS.map((candidate) => candidate.recordType),
    )
    throw new UsageError(
      `mima push: unknown record type '${recordTypeArg}'${guess ? ` (did you mean ${guess}?)` : ''}`,
      {
        hint: 'Run `mima push --help` for the 13 record types.',
      },
    )
  }
  const parsed = parseCommandArgs(
    rest,
    spec ? optionsFor(spec) : PUSH_OPTIONS,
    `mima push${spec ? ` ${spec.recordType}` : ''}`,
  )
  if (parsed.values.help === true) {
    output.line(
      formatCommandHelp(
        spec ? typeHelp(spec) : pushCommand,
        spec ? `mima push ${spec.recordType}` : 'mima push',
      ).trimEnd(),
    )
    return EXIT_CODES.ok
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`mima push: unexpected argument '${parsed.positionals[0]}'`, {
      hint: 'Put values after their flag, and quote values with spaces.',
    })
  }
  const dryRun = booleanValue(parsed.values, 'dry-run')
  let record: WireRecord
  if (booleanValue(parsed.values, 'stdin')) {
    const given = spec?.flags.filter((flag) => parsed.values[flag.name] !== undefined) ?? []
    if (given.length > 0) {
      throw new UsageError(
        `mima push --stdin takes the whole record from stdin; drop ${given.map((flag) => `--${flag.name}`).join(', ')}`,
      )
    }
    record = parseStdinRecord(await readStdin(context.stdin), context.env, parsed.values)
    if (spec && record.record_type !== spec.recordType) {
      throw new RefusedError(`--stdin: record_type ${record.record_type} does not match ${spec.recordType}`)
    }
  } else {
    if (!spec) {
      throw new UsageError('mima push: missing record type', {
        hint: 'Run `mima push --help` for the 13 record types.',
      })
    }
    if (spec.recordType === 'model_evaluation' && readsEvalFile(parsed.values)) {
      // Eval results as evidence: one record per model in the file.
      const records = await buildEvalFileRecords(spec, parsed.values, context.env)
      const { mapControlsOffline, validateWireRecord } = await import('./grc-bridge')
      for (const built of records) validateWireRecord(built, { labels: 'fields' })
      await pushEvalFileRecords(
        {
          output,
          mapControls: mapControlsOffline,
          openSession: () => openSession({ ...context, baseUrlFlag: stringValue(parsed.values, 'base-url') }),
        },
        records,
        dryRun,
      )
      return EXIT_CODES.ok
    }
    if (spec.recordType === 'model_evaluation' && stringValue(parsed.values, 'threshold') !== undefined)
      throw new UsageError('mima push: --threshold goes with --from-promptfoo')
    record = buildWireRecord(spec, parsed.values, context.env)
  }
  // @mima/grc (catalog and rules) loads only once a record is built, so `push --help` stays fast.
  const { mapControlsOffline, missedConditionalControls, validateWireRecord } = await import('./grc-bridge')
  validateWireRecord(record, { labels: booleanValue(parsed.values, 'stdin') ? 'fields' : 'flags' })

  if (dryRun) {
    const controls = mapControlsOffline(record)
    const conditional = missedConditionalControls(record, controls)
    if (output.json) {
      output.printJson({
        dry_run: true,
        record,
        mapped_controls: controls,
        conditional_controls: conditional,
      })
      return EXIT_CODES.ok
    }
    output.line(output.colors.yellow('DRY RUN: nothing sent, no credentials used'))
    output.line(`Record   ${record.record_type}  (system ${record.system_name})`)
    output.line(`Would earn ${controls.length} control${controls.length === 1 ? '' : 's'}:`)
    printControls(output, controls)
    if (conditional.length > 0) {
      output.line('Would also earn, if:')
      // Conditions name payload fields; show the flags that set them.
      const asFlags = (condition: string): string =>
        (findPushRecord(record.record_type)?.flags ?? []).reduce(
          (text, flag) =>
            typeof flag.target === 'object'
              ? text.replace(new RegExp(`\\b${flag.target.payload}\\b`, 'g'), `--${flag.name}`)
              : text,
          condition,
        )
      for (const line of table(
        conditional.map((control) => [
          `  ${control.control_id}`,
          frameworkLabel(control.framework),
          asFlags(control.condition),
        ]),
      )) {
        output.line(output.colors.dim(line))
      }
    }
    output.line('')
    output.line(`To push for real: drop --dry-run (after \`mima login\`).`)
    return EXIT_CODES.ok
  }

  return sendRecord(
    { ...context, baseUrlFlag: stringValue(parsed.values, 'base-url') },
    record,
    !booleanValue(parsed.values, 'no-delta'),
  )
}

/**
 * Sends a wire record, then prints what it evidenced and (with `withDelta`) how readiness
 * moved. Shared by `push`, `register` and `acknowledge`.
 */
export async function sendRecord(
  context: Pick<CustomParseContext, 'home' | 'env' | 'baseUrlFlag' | 'commandPath' | 'output'>,
  record: WireRecord,
  withDelta: boolean,
): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const before = withDelta ? await tryFetchReadiness(session.api) : undefined
  const response = await session.api.request<{ record_id?: string; mapped_controls?: unknown[] }>(
    'POST',
    session.api.workspacePath('governance/grc/evidence'),
    { body: record },
  )
  const after = withDelta && before ? await tryFetchReadiness(session.api) : undefined
  const delta = before && after ? readinessDelta(before, after) : undefined
  const mapped = (Array.isArray(response.mapped_controls) ? response.mapped_controls : []).map((control) =>
    typeof control === 'string'
      ? control
      : String(
          (control as { control_id?: string; id?: string }).control_id ?? (control as { id?: string }).id,
        ),
  )
  if (output.json) {
    output.printJson({
      ...response,
      record_type: record.record_type,
      ...(delta ? { readiness_delta: delta } : {}),
    })
    return EXIT_CODES.ok
  }
  const { colors } = output
  output.line(
    `${colors.green('✓')} ${record.record_type} recorded${response.record_id ? `  (record ${response.record_id})` : ''}`,
  )
  output.line(`Controls evidenced: ${mapped.length > 0 ? mapped.join(', ') : 'none'}`)
  if (delta) {
    if (delta.frameworks.length === 0) {
      output.line(`No score change yet · Overall: ${delta.overall_after}%`)
    } else {
      output.line('Readiness change:')
      for (const change of delta.frameworks) {
        const sign = change.delta_pct >= 0 ? '+' : ''
        output.line(
          `  ${frameworkLabel(change.framework).padEnd(16)} ${padStart(String(change.before_pct), 3)}% → ${padStart(String(change.after_pct), 3)}%  ${colors.green(`(${sign}${change.delta_pct}%)`)}${change.controls_gained > 0 ? `  (+${change.controls_gained} control${change.controls_gained === 1 ? '' : 's'})` : ''}`,
        )
      }
      output.line(
        `  ${'Overall'.padEnd(16)} ${padStart(String(delta.overall_before), 3)}% → ${padStart(String(delta.overall_after), 3)}%`,
      )
    }
  }
  return EXIT_CODES.ok
}

/** `mima push <record_type>`. */
export const pushCommand: CommandSpec = {
  name: 'push',
  summary: 'Record GRC evidence (13 record types); --dry-run shows the controls it earns',
  usage: ['push <record_type> [flags]', 'push <record_type> --dry-run [flags]', 'push --stdin < record.json'],
  description: [
    'Sends one GRC evidence record to the workspace and shows the controls it evidences and how',
    'readiness moved. --dry-run checks the record and lists the controls it would earn without',
    'credentials or network. --stdin takes a whole wire record as JSON and validates it first.',
    '',
    'Record types:',
    ...PUSH_RECORDS.map((spec) => `  ${spec.recordType.padEnd(28)} ${spec.summary}`),
  ].join('\n'),
  options: PUSH_OPTIONS,
  json: true,
  notes: 'Run `mima push <record_type> --help` for the flags of each type.',
  examples: [
    'mima push change_event --by ci@example.com --description "Deploy v1.4" --environment production --system checkout',
    'mima push --dry-run human_oversight --decision-id d-1 --ai-recommendation deny --human-decision approve --reviewer bob@example.com',
    'echo \'{"record_type":"vendor_risk","payload":{...}}\' | mima push --stdin --json',
    'mima push model_evaluation --from-promptfoo results.json --threshold 0.9',
  ],
  customParse: runPush,
}

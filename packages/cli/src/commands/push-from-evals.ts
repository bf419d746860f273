import { readFile } from 'node:fs/promises'
import { RefusedError, UsageError } from '../cli/cli-error'
import type { OptionSpecs, OptionValues } from '../cli/command'
import { parseNumberText, stringValue } from '../cli/parse-args'
import type { WireRecord } from './push'
import type { PushRecordSpec } from './push-records'

/** The flags `mima push model_evaluation` takes to read an eval tool's results file. */
export const EVAL_FILE_OPTIONS: OptionSpecs = {
  'from-promptfoo': {
    type: 'string',
    valueName: 'FILE',
    description:
      'Build the record(s) from promptfoo results (`promptfoo eval --output results.json`): one per provider',
  },
  threshold: {
    type: 'string',
    valueName: 'RATE',
    description:
      'With --from-promptfoo: passed_threshold is pass rate ≥ RATE (0..1; default: every test passed)',
  },
}

// The model_evaluation flags a results file replaces; --evaluated-by, --dataset and
// --evaluation-type still override what the file says.
const FROM_FILE = new Set([
  'model-id',
  'accuracy',
  'passed-threshold',
  'robustness-score',
  'bias-metrics',
  'notes',
])

/** Whether this `mima push` reads its records from an eval results file. */
export function readsEvalFile(values: OptionValues): boolean {
  return stringValue(values, 'from-promptfoo') !== undefined
}

/**
 * Builds the `model_evaluation` records of a promptfoo results file (`@mima/grc`'s
 * `fromPromptfoo`). A missing or unreadable file is a usage error (exit 2); a file that is not
 * promptfoo output is refused (exit 1).
 */
export async function buildEvalFileRecords(
  spec: PushRecordSpec,
  values: OptionValues,
  env: NodeJS.ProcessEnv,
): Promise<WireRecord[]> {
  const given = spec.flags.filter((flag) => FROM_FILE.has(flag.name) && values[flag.name] !== undefined)
  if (given.length > 0) {
    throw new UsageError(
      `--from-promptfoo takes ${given.map((flag) => `--${flag.name}`).join(', ')} from the results file; drop ${given.length > 1 ? 'them' : 'it'}`,
    )
  }
  const file = stringValue(values, 'from-promptfoo') as string
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `--from-promptfoo: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    )
  }
  const thresholdText = stringValue(values, 'threshold')
  const threshold = thresholdText === undefined ? undefined : parseNumberText('threshold', thresholdText)
  const evaluationType = stringValue(values, 'evaluation-type')
  if (evaluationType !== undefined && !['initial', 'quarterly', 'triggered'].includes(evaluationType)) {
    throw new RefusedError(
      `model_evaluation: --evaluation-type must be one of initial, quarterly, triggered; got '${evaluationType}'`,
    )
  }
  const { fromPromptfoo } = await import('@mima/grc')
  const systemName = stringValue(values, 'system-name') ?? (env.MIMA_SYSTEM_NAME?.trim() || 'mima-cli')
  const evaluatedBy = stringValue(values, 'evaluated-by')
  const dataset = stringValue(values, 'dataset')
  try {
    return fromPromptfoo(text, {
      systemName,
      env,
      ...(evaluatedBy === undefined ? {} : { evaluatedBy }),
      ...(dataset === undefined ? {} : { dataset }),
      ...(threshold === undefined ? {} : { threshold }),
      ...(evaluationType === undefined
        ? {}
        : { evaluationType: evaluationType as 'initial' | 'quarterly' | 'triggered' }),
    }).map((record) => ({ ...record, payload: { ...record.payload } }) as WireRecord)
  } catch (error) {
    throw new RefusedError(`--from-promptfoo ${file}: ${(error as Error).message}`)
  }
}

/** What `pushEvalFileRecords` needs of the push command's context. */
export interface EvalFilePushContext {
  readonly output: {
    readonly json: boolean
    line(text: string): void
    printJson(value: unknown): void
    readonly colors: { green(text: string): string; yellow(text: string): string }
  }
  readonly openSession: () => Promise<{
    api: {
      request<T>(method: string, path: string, options: { body: unknown }): Promise<T>
      workspacePath(path: string): string
    }
  }>
  readonly mapControls: (record: WireRecord) => readonly { readonly control_id: string }[]
}

/** Sends (or, with `dryRun`, checks and lists) the records of an eval results file. */
export async function pushEvalFileRecords(
  context: EvalFilePushContext,
  records: readonly WireRecord[],
  dryRun: boolean,
): Promise<void> {
  const { output } = context
  if (dryRun) {
    const planned = records.map((record) => ({
      record,
      mapped_controls: context.mapControls(record).map((control) => control.control_id),
    }))
    if (output.json) {
      output.printJson({ dry_run: true, records: planned })
      return
    }
    output.line(output.colors.yellow('DRY RUN: nothing sent, no credentials used'))
    for (const { record, mapped_controls } of planned) {
      output.line(
        `model_evaluation  ${String(record.payload.model_id)}  accuracy ${String(record.payload.accuracy)}  passed_threshold ${String(record.payload.passed_threshold ?? 'n/a')}  → ${mapped_controls.length} controls`,
      )
    }
    return
  }
  const session = await context.openSession()
  const sent: { model_id: unknown; record_id?: string; mapped_controls?: unknown[] }[] = []
  for (const record of records) {
    const response = await session.api.request<{ record_id?: string; mapped_controls?: unknown[] }>(
      'POST',
      session.api.workspacePath('governance/grc/evidence'),
      { body: record },
    )
    sent.push({ model_id: record.payload.model_id, ...response })
  }
  if (output.json) {
    output.printJson({ record_type: 'model_evaluation', records: sent })
    return
  }
  for (const entry of sent) {
    output.line(
      `${output.colors.green('✓')} model_evaluation recorded for ${String(entry.model_id)}${entry.record_id ? `  (record ${entry.record_id})` : ''}`,
    )
  }
}

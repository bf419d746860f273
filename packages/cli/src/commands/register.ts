import { RefusedError } from '../cli/cli-error'
import type { CommandContext, CommandSpec, OptionValues } from '../cli/command'
import type { ExitCode } from '../cli/exit-codes'
import { booleanValue, stringValue } from '../cli/parse-args'
import { validateWireRecord } from './grc-bridge'
import { buildWireRecord, sendRecord } from './push'
import { findPushRecord } from './push-records'

function pushValues(entries: Record<string, string | undefined>): OptionValues {
  const values: OptionValues = {}
  for (const [key, value] of Object.entries(entries)) if (value !== undefined) values[key] = value
  return values
}

async function runRegister(context: CommandContext): Promise<ExitCode> {
  const { values } = context
  if (booleanValue(values, 'no-art5')) {
    throw new RefusedError(
      'mima register: a system that uses a practice prohibited by EU AI Act Art. 5 cannot be registered',
      { hint: 'Art. 5 practices are banned outright; there is no risk tier for them.' },
    )
  }
  const systemName = context.positionals[0]!
  const tier = stringValue(values, 'risk-tier') ?? stringValue(values, 'risk')
  if (!tier) {
    const { UsageError } = await import('../cli/cli-error')
    throw new UsageError('mima register: missing required flag --risk-tier', {
      hint: 'Run `mima register --help` for details.',
    })
  }
  const purpose = stringValue(values, 'purpose')!
  const spec = findPushRecord('ai_risk_assessment')!
  const record = buildWireRecord(
    spec,
    pushValues({
      system: systemName,
      'risk-tier': tier,
      'use-case': stringValue(values, 'summary') ?? `Classified as ${tier}-risk: ${purpose.slice(0, 100)}`,
      'intended-purpose': purpose,
      'impact-domains': stringValue(values, 'impact-domains') ?? '',
      'art5-self-assessment': 'true',
      assessor: stringValue(values, 'assessor'),
      'annex-iii-category': stringValue(values, 'annex-iii'),
      version: stringValue(values, 'version'),
      environment: stringValue(values, 'environment'),
      'technical-doc-url': stringValue(values, 'technical-doc-url'),
      'training-data-url': stringValue(values, 'training-data-url'),
    }),
    context.env,
  )
  validateWireRecord(record)
  return sendRecord(context, record, false)
}

/** `mima register <system_name>`. */
export const registerCommand: CommandSpec = {
  name: 'register',
  summary: 'Register an AI system with its risk assessment (EU AI Act Art. 9)',
  usage: ['register <system_name> --risk-tier TIER --purpose TEXT --assessor EMAIL [flags]'],
  description:
    'Records an ai_risk_assessment for an AI system, the same record `mima push ai_risk_assessment`\n' +
    'sends and the SDK builds (one risk scale everywhere: unacceptable, high, limited, minimal).',
  positionals: { min: 1, max: 1, names: '<system_name>' },
  options: {
    'risk-tier': {
      type: 'string',
      valueName: 'TIER',
      description: 'unacceptable, high, limited or minimal (required)',
    },
    risk: { type: 'string', valueName: 'TIER', description: 'Alias of --risk-tier', hidden: true },
    purpose: { type: 'string', valueName: 'TEXT', description: 'Intended purpose', required: true },
    assessor: { type: 'string', valueName: 'EMAIL', description: 'Who made the assessment', required: true },
    'annex-iii': {
      type: 'string',
      valueName: 'CATEGORY',
      description: 'Annex III category; required for high risk',
    },
    'impact-domains': { type: 'string', valueName: 'A,B', description: 'Comma-separated impact domains' },
    summary: {
      type: 'string',
      valueName: 'TEXT',
      description: 'Risk summary',
      defaultLabel: '"Classified as <tier>-risk: <purpose>"',
    },
    version: { type: 'string', valueName: 'VERSION', description: 'System version' },
    environment: {
      type: 'string',
      valueName: 'ENV',
      description: 'Deployment environment',
      defaultLabel: 'production',
    },
    'technical-doc-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Technical documentation (Art. 11)',
    },
    'training-data-url': {
      type: 'string',
      valueName: 'URL',
      description: 'Training data documentation (Art. 10)',
    },
    'no-art5': {
      type: 'boolean',
      description: 'The system uses an Art. 5 prohibited practice (always refused)',
    },
  },
  json: true,
  examples: [
    'mima register support-bot --risk-tier limited --purpose "Answer customer FAQs" --assessor alice@example.com',
    'mima register cv-screening --risk-tier high --annex-iii employment_management --purpose "Rank CVs" --assessor dpo@example.com',
  ],
  run: runRegister,
}

async function runAcknowledge(context: CommandContext): Promise<ExitCode> {
  const { values } = context
  const person = stringValue(values, 'person')!
  if (!person.includes('@')) {
    throw new RefusedError(`mima acknowledge: --person must be an email address, got '${person}'`)
  }
  const record = buildWireRecord(
    findPushRecord('policy_acknowledged')!,
    pushValues({
      policy: stringValue(values, 'policy'),
      user: person,
      version: stringValue(values, 'version'),
      system: stringValue(values, 'system'),
      'acknowledgment-type': stringValue(values, 'type'),
      'policy-url': stringValue(values, 'url'),
      channel: stringValue(values, 'channel'),
    }),
    context.env,
  )
  validateWireRecord(record)
  return sendRecord(context, record, false)
}

/** `mima acknowledge`. */
export const acknowledgeCommand: CommandSpec = {
  name: 'acknowledge',
  summary: 'Record that a person acknowledged a policy',
  usage: ['acknowledge --person EMAIL --policy NAME --version VERSION --system NAME [flags]'],
  description:
    'Records a policy_acknowledged evidence record (the same one `mima push policy_acknowledged` sends).',
  options: {
    person: {
      type: 'string',
      valueName: 'EMAIL',
      description: 'Who acknowledged the policy',
      required: true,
    },
    policy: { type: 'string', valueName: 'NAME', description: 'Policy name', required: true },
    version: { type: 'string', valueName: 'VERSION', description: 'Policy version', required: true },
    system: { type: 'string', valueName: 'NAME', description: 'System the policy covers', required: true },
    type: {
      type: 'string',
      valueName: 'TYPE',
      description: 'initial, renewal or update',
      defaultLabel: 'initial',
    },
    channel: {
      type: 'string',
      valueName: 'CHANNEL',
      description: 'in-app, email, slack, ...',
      defaultLabel: 'in-app',
    },
    url: { type: 'string', valueName: 'URL', description: 'Where the policy lives' },
  },
  json: true,
  examples: [
    'mima acknowledge --person alice@example.com --policy "AI Acceptable Use" --version 2.1 --system support-bot',
  ],
  run: runAcknowledge,
}

import { RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseListText, stringValue, suggest } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { ApiError } from '../http/api-client'
import { table } from '../output/format'

/** The webhook events a receiver gets when it names none (the server's defaults). */
export const WEBHOOK_EVENTS: readonly string[] = [
  'evidence.created',
  'approval.requested',
  'approval.decided',
  'approval.expired',
  'gate.failed',
  'policy.check.failed',
  'budget.threshold',
  'loop.detected',
  'agent.killed',
  'agent.revived',
]

/** Events a webhook receives only when it names them (one per attested call). */
const OPT_IN_WEBHOOK_EVENTS: readonly string[] = ['attestation.created']

interface Webhook {
  id: string
  url: string
  events?: string[]
  has_secret?: boolean
  last_delivery_at?: string | null
  last_delivery_status?: number | string | null
  last_delivery_error?: string | null
}

async function runList(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const response = await session.api.request<{ webhooks?: Webhook[] }>(
    'GET',
    session.api.workspacePath('governance/webhooks'),
  )
  const webhooks = response.webhooks ?? []
  if (output.json) {
    output.printJson({ webhooks })
    return EXIT_CODES.ok
  }
  if (webhooks.length === 0) {
    output.line('No webhooks. Add one: mima webhooks register https://example.com/hooks/mima --secret ...')
    return EXIT_CODES.ok
  }
  const rows = [
    ['ID', 'URL', 'EVENTS', 'SECRET', 'LAST DELIVERY'],
    ...webhooks.map((webhook) => [
      webhook.id,
      webhook.url,
      (webhook.events ?? []).length === WEBHOOK_EVENTS.length ? 'all' : (webhook.events ?? []).join(','),
      webhook.has_secret ? 'yes' : 'no',
      webhook.last_delivery_at
        ? `${webhook.last_delivery_at} (${webhook.last_delivery_status ?? '?'})`
        : 'never',
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

async function runRegister(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const url = context.positionals[0]!
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol')
  } catch {
    throw new UsageError(`mima webhooks register: not an http(s) URL: '${url}'`)
  }
  const eventsText = stringValue(values, 'events')
  const events = eventsText === undefined ? undefined : parseListText(eventsText)
  for (const event of events ?? []) {
    if (!WEBHOOK_EVENTS.includes(event) && !OPT_IN_WEBHOOK_EVENTS.includes(event)) {
      const guess = suggest(event, [...WEBHOOK_EVENTS, ...OPT_IN_WEBHOOK_EVENTS])
      throw new UsageError(`unknown webhook event '${event}'${guess ? ` (did you mean ${guess}?)` : ''}`, {
        hint: `Events: ${WEBHOOK_EVENTS.join(', ')}`,
      })
    }
  }
  const secret = stringValue(values, 'secret') ?? (context.env.MIMA_WEBHOOK_SECRET?.trim() || undefined)
  const session = await openSession(context)
  const created = await session.api.request<Webhook & { secret?: string; secret_generated?: boolean }>(
    'POST',
    session.api.workspacePath('governance/webhooks'),
    {
      body: { url, ...(events === undefined ? {} : { events }), ...(secret === undefined ? {} : { secret }) },
    },
  )
  if (output.json) {
    output.printJson(created)
    return EXIT_CODES.ok
  }
  const subscribed = created.events ?? events ?? WEBHOOK_EVENTS
  output.line(`${output.colors.green('✓')} Webhook registered`)
  output.line(`  ID      ${created.id}`)
  output.line(`  URL     ${created.url ?? url}`)
  output.line(`  Events  ${subscribed.length > 3 ? `${subscribed.length} events` : subscribed.join(', ')}`)
  if (created.secret && created.secret_generated) {
    output.line(`  Secret  ${created.secret}`)
    output.info(
      output.colors.yellow(
        'The server generated this signing secret and shows it once: store it in your receiver now.',
      ),
    )
  } else {
    output.line(
      secret ? '  Secret  set' : '  Secret  none (deliveries are unsigned; pass --secret to sign them)',
    )
  }
  output.line(
    '  Verify  X-Mima-Signature = "sha256=" + HMAC-SHA256(secret, X-Mima-Timestamp + "." + raw body)',
  )
  return EXIT_CODES.ok
}

async function runDelete(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const id = context.positionals[0]!
  const session = await openSession(context)
  try {
    await session.api.requestRaw(
      'DELETE',
      session.api.workspacePath(`governance/webhooks/${encodeURIComponent(id)}`),
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(`no webhook ${id} in this workspace`, {
        status: 404,
        hint: 'Run `mima webhooks list`.',
      })
    }
    throw error
  }
  if (output.json) output.printJson({ deleted: id })
  else output.line(`${output.colors.green('✓')} Webhook ${id} deleted`)
  return EXIT_CODES.ok
}

async function runTest(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const id = context.positionals[0]!
  const session = await openSession(context)
  let result: { delivered?: boolean; status?: number | null; error?: string; duration_ms?: number }
  try {
    result = await session.api.request(
      'POST',
      session.api.workspacePath(`governance/webhooks/${encodeURIComponent(id)}/test`),
      {
        timeoutMs: 30_000,
      },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(`no webhook ${id} in this workspace`, {
        status: 404,
        hint: 'Run `mima webhooks list`.',
      })
    }
    throw error
  }
  if (output.json) output.printJson(result)
  else if (result.delivered)
    output.line(`${output.colors.green('✓')} Test event delivered (HTTP ${result.status ?? '?'})`)
  else
    output.line(
      `${output.colors.red('✗')} Test event not delivered: ${result.error ?? `HTTP ${result.status ?? '?'}`}`,
    )
  return result.delivered ? EXIT_CODES.ok : EXIT_CODES.failed
}

/** `mima webhooks`. */
export const webhooksCommand: CommandSpec = {
  name: 'webhooks',
  summary: 'Manage signed webhooks: list, register, delete, test',
  usage: [
    'webhooks [list]',
    'webhooks register URL [--events E1,E2] [--secret S]',
    'webhooks delete ID',
    'webhooks test ID',
  ],
  description: `The server POSTs events to your URL, signed with HMAC-SHA256 (X-Mima-Signature); without\n--secret it generates a secret and shows it once. Needs an admin key.\nEvents: ${WEBHOOK_EVENTS.join(', ')}.`,
  defaultSubcommand: 'list',
  json: true,
  examples: [
    'mima webhooks register https://example.com/hooks/mima --events approval.requested,gate.failed --secret "$SECRET"',
  ],
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'List webhooks',
      usage: ['webhooks list [--json]'],
      json: true,
      examples: ['mima webhooks list'],
      run: runList,
    },
    {
      name: 'register',
      aliases: ['add'],
      summary: 'Register a webhook',
      usage: ['webhooks register URL [--events E1,E2] [--secret S]'],
      positionals: { min: 1, max: 1, names: 'URL' },
      options: {
        events: { type: 'string', valueName: 'E1,E2', description: 'Events to send', defaultLabel: 'all' },
        secret: {
          type: 'string',
          valueName: 'S',
          description: 'Signing secret (or MIMA_WEBHOOK_SECRET)',
          defaultLabel: 'one generated by the server, shown once',
        },
      },
      json: true,
      examples: ['mima webhooks register https://example.com/hooks/mima --secret "$SECRET"'],
      run: runRegister,
    },
    {
      name: 'delete',
      aliases: ['rm', 'remove', 'unregister'],
      summary: 'Delete a webhook',
      usage: ['webhooks delete ID'],
      positionals: { min: 1, max: 1, names: 'ID' },
      json: true,
      examples: ['mima webhooks delete wh_123'],
      run: runDelete,
    },
    {
      name: 'test',
      summary: 'Send a test event and report the delivery (exit 1 when it fails)',
      usage: ['webhooks test ID'],
      positionals: { min: 1, max: 1, names: 'ID' },
      json: true,
      examples: ['mima webhooks test wh_123'],
      run: runTest,
    },
  ],
}

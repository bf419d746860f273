import { RefusedError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { stringValue } from '../cli/parse-args'
import { openSession, type Session } from '../cli/session'
import { ApiError } from '../http/api-client'
import { table } from '../output/format'

interface AgentRow {
  agent_name: string
  status: 'active' | 'killed'
  reason: string | null
  changed_by: string | null
  changed_at: string | null
  presence: string
  instances: { instance_id: string; presence: string; last_seen_at: string }[]
}

async function runList(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const { agents } = await session.api.request<{ agents: AgentRow[] }>(
    'GET',
    session.api.workspacePath('agents'),
  )
  if (output.json) {
    output.printJson({ agents })
    return EXIT_CODES.ok
  }
  if (agents.length === 0) {
    output.line(
      'No agents yet. Agents appear once they send heartbeats (createRuntimeControls in @mima/policy).',
    )
    return EXIT_CODES.ok
  }
  const presence = (value: string): string =>
    value === 'live'
      ? output.colors.green(value)
      : value === 'unresponsive'
        ? output.colors.yellow(value)
        : value
  const rows = [
    ['AGENT', 'STATUS', 'PRESENCE', 'INSTANCES', 'LAST SEEN'],
    ...agents.map((agent) => [
      agent.agent_name,
      agent.status === 'killed'
        ? output.colors.red(`killed${agent.reason ? ` (${agent.reason})` : ''}`)
        : 'active',
      presence(agent.presence),
      String(agent.instances.filter((instance) => instance.presence !== 'closed').length),
      agent.instances[0]?.last_seen_at ?? '-',
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

async function changeStatus(context: CommandContext, action: 'kill' | 'revive'): Promise<ExitCode> {
  const { output, values } = context
  const name = context.positionals[0] as string
  const session = await openSession(context)
  const reason = stringValue(values, 'reason')
  let answer: { agent_name: string; status: string; reason: string | null }
  try {
    answer = await session.api.request(
      'POST',
      session.api.workspacePath(`agents/${encodeURIComponent(name)}/${action}`),
      {
        body: reason === undefined ? {} : { reason },
      },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 403)
      throw new RefusedError(`this key cannot ${action} agents`, {
        status: 403,
        hint: 'Use an admin or approver key.',
      })
    throw error
  }
  if (output.json) output.printJson(answer)
  else if (action === 'kill')
    output.line(
      `${output.colors.red('■')} Agent ${name} killed${reason ? ` (${reason})` : ''}: every process running it stops at its next check. Revive with \`mima agents revive ${name}\`.`,
    )
  else output.line(`${output.colors.green('✓')} Agent ${name} revived`)
  return EXIT_CODES.ok
}

/** `mima agents`. */
export const agentsCommand: CommandSpec = {
  name: 'agents',
  summary: 'List running agents (live, idle, unresponsive) and kill or revive them',
  usage: ['agents [list]', 'agents kill NAME [--reason TEXT]', 'agents revive NAME'],
  defaultSubcommand: 'list',
  json: true,
  examples: [
    'mima agents',
    'mima agents kill researcher --reason "runaway spend"',
    'mima agents revive researcher',
  ],
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'Agents with their kill-switch status and presence',
      usage: ['agents list [--json]'],
      json: true,
      examples: ['mima agents list --json'],
      run: runList,
    },
    {
      name: 'kill',
      summary: 'Stop an agent in every process running it, until revived (admin or approver key)',
      usage: ['agents kill NAME [--reason TEXT]'],
      positionals: { min: 1, max: 1, names: 'NAME' },
      options: {
        reason: {
          type: 'string',
          valueName: 'TEXT',
          description: 'Why (shown to the agent and in the dashboard)',
        },
      },
      json: true,
      examples: ['mima agents kill researcher --reason "runaway spend"'],
      run: (context) => changeStatus(context, 'kill'),
    },
    {
      name: 'revive',
      summary: 'Let a killed agent run again (admin or approver key)',
      usage: ['agents revive NAME'],
      positionals: { min: 1, max: 1, names: 'NAME' },
      json: true,
      examples: ['mima agents revive researcher'],
      run: (context) => changeStatus(context, 'revive'),
    },
  ],
}

/** Reads server-sent events from a response body, calling `onEvent` for each. */
async function readEvents(
  response: Response,
  onEvent: (type: string, data: Record<string, unknown>) => void,
): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n')
    let end = buffer.indexOf('\n\n')
    while (end !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const type = /^event: (.*)$/m.exec(block)?.[1]
      const data = /^data: (.*)$/m.exec(block)?.[1]
      if (type !== undefined && data !== undefined) {
        try {
          onEvent(type, JSON.parse(data) as Record<string, unknown>)
        } catch {}
      }
      end = buffer.indexOf('\n\n')
    }
  }
}

async function pollAttestations(
  session: Session,
  signal: AbortSignal,
  print: (record: Record<string, unknown>) => void,
): Promise<void> {
  let since = new Date().toISOString()
  const seen = new Set<string>()
  while (!signal.aborted) {
    try {
      const page = await session.api.request<{ attestations: Record<string, unknown>[] }>(
        'GET',
        session.api.workspacePath('governance/attestations'),
        { query: { since, limit: 200 }, signal },
      )
      for (const record of [...page.attestations].reverse()) {
        const id = String(record.attestation_id)
        if (seen.has(id)) continue
        seen.add(id)
        print(record)
        if (typeof record.received_at === 'string' && record.received_at > since) since = record.received_at
      }
      if (seen.size > 10_000) seen.clear()
    } catch (error) {
      if (signal.aborted) return
      throw error
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      signal.addEventListener('abort', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}

async function runTail(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const time = (): string => new Date().toISOString().slice(11, 19)
  const printEvent = (type: string, data: Record<string, unknown>): void => {
    if (output.json) {
      output.printJsonLine({ kind: 'event', type, ...data })
      return
    }
    if (type === 'ready') {
      output.info(output.colors.dim('Following attestations and events (Ctrl-C to stop)…'))
      return
    }
    const subject = data.agent_name ?? data.approval_id ?? data.budget_id ?? ''
    const colour =
      type.startsWith('agent.killed') || type === 'loop.detected' ? output.colors.red : output.colors.cyan
    const detail =
      type === 'budget.threshold'
        ? `${Math.round(Number(data.threshold) * 100)}% of ${data.scope} ${data.scope_value ?? ''} ${data.period}`
        : type === 'loop.detected'
          ? `${data.tool_name}: ${data.calls} calls in ${data.window_seconds}s`
          : typeof data.reason === 'string'
            ? data.reason
            : ''
    output.line(`${time()}  ${colour(type.padEnd(18))} ${String(subject)} ${detail}`.trimEnd())
  }
  const printRecord = (record: Record<string, unknown>): void => {
    if (output.json) {
      output.printJsonLine({ kind: 'attestation', ...record })
      return
    }
    const cost = typeof record.cost_usd === 'number' ? ` $${record.cost_usd.toFixed(6)}` : ''
    const tokens =
      typeof record.input_tokens === 'number'
        ? ` ${record.input_tokens}→${record.output_tokens ?? 0} tok`
        : ''
    const outcome = record.outcome === 'error' ? output.colors.red(' error') : ''
    output.line(
      `${time()}  ${output.colors.green('attestation'.padEnd(18))} ${record.agent_name}/${record.tool_name}${record.model_id ? ` ${record.model_id}` : ''}${tokens}${cost}${outcome}`,
    )
  }
  try {
    const events = (async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await session.api.requestRaw('GET', session.api.workspacePath('events/stream'), {
            headers: { accept: 'text/event-stream' },
            signal: controller.signal,
            timeoutMs: 7 * 24 * 3_600_000,
          })
          await readEvents(response, printEvent)
        } catch (error) {
          if (controller.signal.aborted) return
          if (error instanceof ApiError) throw error
          await new Promise((resolve) => setTimeout(resolve, 1000))
        }
      }
    })()
    await Promise.all([events, pollAttestations(session, controller.signal, printRecord)])
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  return EXIT_CODES.ok
}

/** `mima tail`. */
export const tailCommand: CommandSpec = {
  name: 'tail',
  summary: 'Follow attestations, decisions and events (kills, loops, budget alerts) live',
  usage: ['tail [--json]'],
  json: true,
  examples: ['mima tail', 'mima tail --json | jq .'],
  run: runTail,
}

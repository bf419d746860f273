import { CliError, RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, parseIntegerText, stringValue } from '../cli/parse-args'
import { openSession, type Session } from '../cli/session'
import { ApiError } from '../http/api-client'
import { readServerSentEvents } from '../http/sse'
import { shortId } from '../output/format'
import type { Output } from '../output/output'
import { checkSignatureBundle, type SignatureBundle } from './approval-signature'

/** One approval as the server lists it (reference §1.3). */
export interface Approval {
  id: string
  status: string
  action_type?: string
  system_name?: string
  agent_name?: string
  requested_by?: string
  requested_at?: string
  expires_at?: string
  description?: string
  decided_by?: string
  decided_at?: string
  reason?: string
  rejection_reason?: string
  approver_hint?: string
}

function approvalLine(output: Output, approval: Approval): string {
  const { colors } = output
  const marker =
    approval.status === 'pending'
      ? colors.yellow('·')
      : approval.status === 'approved'
        ? colors.green('✓')
        : approval.status === 'rejected'
          ? colors.red('✗')
          : colors.dim('—')
  const label = approval.status === 'pending' ? colors.bold('PENDING'.padEnd(9)) : approval.status.padEnd(9)
  const parts = [`action: ${approval.action_type ?? '?'}`]
  const system = approval.system_name ?? approval.agent_name
  if (system) parts.push(`system: ${system}`)
  if (approval.requested_by) parts.push(`by: ${approval.requested_by}`)
  if (approval.expires_at && approval.status === 'pending') parts.push(`expires: ${approval.expires_at}`)
  return `${marker}  ${shortId(approval.id)}  ${label}  ${parts.join(' · ')}`
}

async function listApprovals(session: Session, all: boolean): Promise<Approval[]> {
  const response = await session.api.request<{ approvals?: Approval[] } | Approval[]>(
    'GET',
    session.api.workspacePath('governance/approvals'),
    { query: { status: all ? 'all' : undefined } },
  )
  return Array.isArray(response) ? response : (response.approvals ?? [])
}

async function runList(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const approvals = await listApprovals(session, booleanValue(context.values, 'all'))
  if (output.json) {
    output.printJson({ approvals })
    return EXIT_CODES.ok
  }
  if (approvals.length === 0) {
    output.line(booleanValue(context.values, 'all') ? 'No approval requests.' : 'No pending approvals.')
    return EXIT_CODES.ok
  }
  for (const approval of approvals) output.line(approvalLine(output, approval))
  const pending = approvals.filter((approval) => approval.status === 'pending').length
  output.line('')
  output.line(
    `${pending} pending${pending > 0 ? ' · run `mima approvals decide ID approve|reject` to act' : ''}`,
  )
  return EXIT_CODES.ok
}

async function resolveApprovalId(session: Session, id: string): Promise<string> {
  if (id.length >= 20) return id
  const matches = (await listApprovals(session, true)).filter((approval) => approval.id.startsWith(id))
  if (matches.length === 1) return matches[0]!.id
  if (matches.length > 1) throw new UsageError(`approval id '${id}' is ambiguous: give more characters`)
  return id
}

async function runDecide(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const [idArg, decisionArg] = context.positionals as [string, string]
  const decision =
    decisionArg === 'approve' || decisionArg === 'approved'
      ? 'approve'
      : decisionArg === 'reject' || decisionArg === 'rejected'
        ? 'reject'
        : undefined
  if (!decision)
    throw new UsageError(`mima approvals decide: decision must be approve or reject, got '${decisionArg}'`)
  const reason = stringValue(values, 'reason')
  const session = await openSession(context)
  const id = await resolveApprovalId(session, idArg)
  let result: Approval & { unblocked_at?: string }
  try {
    result = await session.api.request(
      'POST',
      session.api.workspacePath(`governance/approvals/${encodeURIComponent(id)}/decide`),
      {
        body: { decision, ...(reason === undefined ? {} : { reason }) },
      },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(`no approval ${idArg} in this workspace`, {
        status: 404,
        hint: 'Run `mima approvals list --all`.',
      })
    }
    throw error
  }
  if (output.json) {
    output.printJson(result)
    return EXIT_CODES.ok
  }
  const { colors } = output
  output.line(
    result.status === 'approved' || decision === 'approve'
      ? `${colors.green('✓')}  Approved · ${shortId(id)}`
      : `${colors.red('✗')}  Rejected · ${shortId(id)}`,
  )
  if (result.action_type) output.line(`   action:      ${result.action_type}`)
  if (result.decided_by) output.line(`   decided by:  ${result.decided_by}`)
  if (reason) output.line(`   reason:      ${reason}`)
  if (result.unblocked_at) output.line(`   agent unblocked at ${result.unblocked_at}`)
  return EXIT_CODES.ok
}

async function runWatch(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const session = await openSession(context)
  const timeoutText = stringValue(values, 'timeout')
  const timeoutSeconds =
    timeoutText === undefined ? undefined : parseIntegerText('timeout', timeoutText, { min: 1 })
  const controller = new AbortController()
  const stop = (): void => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const timer = timeoutSeconds === undefined ? undefined : setTimeout(stop, timeoutSeconds * 1000)
  const showAll = booleanValue(values, 'all')
  try {
    if (!booleanValue(values, 'new-only')) {
      for (const approval of await listApprovals(session, false)) {
        if (output.json) output.printJsonLine({ event: 'approval.pending', approval })
        else output.line(approvalLine(output, approval))
      }
    }
    output.info(output.colors.dim('Watching for approval requests (Ctrl-C to stop) ...'))
    let failures = 0
    let connected = false
    while (!controller.signal.aborted) {
      try {
        const response = await session.api.requestRaw(
          'GET',
          session.api.workspacePath('governance/approvals/stream'),
          {
            headers: { accept: 'text/event-stream' },
            timeoutMs: 2_147_483_647,
            signal: controller.signal,
          },
        )
        if (!response.body)
          throw new CliError('server_error', EXIT_CODES.unavailable, 'the approval stream has no body')
        connected = true
        failures = 0
        for await (const event of readServerSentEvents(response.body)) {
          if (!event.event.startsWith('approval.')) continue
          let payload: unknown
          try {
            payload = JSON.parse(event.data)
          } catch {
            continue
          }
          // Stream events carry the approval's fields next to the event's own id, type and time.
          const {
            id: eventId,
            type: _type,
            occurred_at: occurredAt,
            approval_id: approvalId,
            ...fields
          } = payload as Record<string, unknown>
          const approval = { ...fields, id: approvalId ?? eventId } as Approval
          if (!showAll && event.event !== 'approval.requested') continue
          if (output.json)
            output.printJsonLine({ event: event.event, occurred_at: occurredAt ?? null, approval })
          else output.line(approvalLine(output, approval))
        }
      } catch (error) {
        if (controller.signal.aborted) break
        // The first connection must work; a stream that drops later is reopened with backoff.
        if (!connected) throw error
        failures += 1
        await new Promise<void>((resolve) => {
          const wait = setTimeout(resolve, Math.min(10_000, 500 * 2 ** failures))
          controller.signal.addEventListener('abort', () => {
            clearTimeout(wait)
            resolve()
          })
        })
      }
    }
  } finally {
    if (timer) clearTimeout(timer)
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  return EXIT_CODES.ok
}

async function runVerifySignature(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const [idArg] = context.positionals as [string]
  const session = await openSession(context)
  const id = await resolveApprovalId(session, idArg)
  const bundle = await session.api.request<SignatureBundle>(
    'GET',
    session.api.workspacePath(`governance/approvals/${encodeURIComponent(id)}/signature`),
  )
  const lines = checkSignatureBundle(session.workspaceId, bundle)
  // The leaf itself: its record hash must be the record's (`mima verify` checks the tree around it).
  if (bundle.decision_leaf_index !== null) {
    const leaf = await session.api.request<{ leaf_data?: string }>(
      'GET',
      session.api.workspacePath(`ledger/leaves/${bundle.decision_leaf_index}`),
    )
    let leafHash: unknown
    try {
      leafHash = (JSON.parse(leaf.leaf_data ?? '{}') as { record_hash?: unknown }).record_hash
    } catch {
      leafHash = undefined
    }
    lines.push({
      check: `ledger leaf ${bundle.decision_leaf_index} carries that hash`,
      ok: leafHash === bundle.record_hash,
    })
  }
  const verified = lines.every((line) => line.ok)
  if (output.json) {
    output.printJson({
      approval_id: bundle.approval_id,
      status: bundle.status,
      signer: bundle.signer,
      verified,
      checks: lines,
    })
  } else {
    const { colors } = output
    output.line(
      `${bundle.approval_id}  ${bundle.status} by ${bundle.signer.email ?? bundle.signer.user_id} (passkey ${shortId(bundle.passkey.credential_id)})`,
    )
    for (const line of lines) {
      output.line(
        `  ${line.ok ? colors.green('✓') : colors.red('✗')} ${line.check}${line.detail ? ` (${line.detail})` : ''}`,
      )
    }
    output.line(
      verified
        ? colors.green('The passkey signature holds.')
        : colors.red('The passkey signature does NOT hold.'),
    )
  }
  return verified ? EXIT_CODES.ok : EXIT_CODES.failed
}

/** `mima approvals`. */
export const approvalsCommand: CommandSpec = {
  name: 'approvals',
  summary: 'List, decide and watch human approval requests',
  usage: [
    'approvals [list] [--all]',
    'approvals decide ID approve|reject [--reason TEXT]',
    'approvals watch',
    'approvals verify-signature ID',
  ],
  description:
    'Agents that call requireApproval() block until a person decides. List the pending requests, decide one\n' +
    '(needs an approver or admin key; the requester can never decide its own request), or watch new\n' +
    'requests arrive live.',
  defaultSubcommand: 'list',
  json: true,
  examples: [
    'mima approvals',
    'mima approvals decide 3f2a9c1e approve --reason "checked the refund"',
    'mima approvals watch',
  ],
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'List pending approvals (--all for every status)',
      usage: ['approvals list [--all] [--json]'],
      options: {
        all: { type: 'boolean', short: 'a', description: 'Include decided, expired and cancelled requests' },
      },
      json: true,
      examples: ['mima approvals list', 'mima approvals list --all --json'],
      run: runList,
    },
    {
      name: 'decide',
      summary: 'Approve or reject a request',
      usage: ['approvals decide ID approve|reject [--reason TEXT]'],
      description: 'Decides one request; ID may be the 8-character prefix shown by `mima approvals list`.',
      positionals: { min: 2, max: 2, names: 'ID and decision (approve or reject)' },
      options: { reason: { type: 'string', valueName: 'TEXT', description: 'Why (recorded as evidence)' } },
      json: true,
      examples: [
        'mima approvals decide 3f2a9c1e approve',
        'mima approvals decide 3f2a9c1e reject --reason "amount too high"',
      ],
      run: runDecide,
    },
    {
      name: 'watch',
      summary: 'Stream approval requests as they arrive',
      usage: ['approvals watch [--all] [--new-only] [--timeout SECONDS] [--json]'],
      description:
        'Prints the pending requests, then each new request the moment it is made (server-sent events).\n' +
        'With --json, one JSON object per line. Stops on Ctrl-C or after --timeout.',
      options: {
        all: { type: 'boolean', short: 'a', description: 'Also show decisions and expiries' },
        'new-only': { type: 'boolean', description: 'Do not print the requests already pending' },
        timeout: { type: 'string', valueName: 'SECONDS', description: 'Stop after this many seconds' },
      },
      json: true,
      examples: ['mima approvals watch', 'mima approvals watch --json | jq .approval.action_type'],
      run: runWatch,
    },
    {
      name: 'verify-signature',
      summary: 'Check a passkey-signed decision on this machine',
      usage: ['approvals verify-signature ID [--json]'],
      description:
        'Fetches the WebAuthn assertion a person made when deciding, recomputes the action digest from the\n' +
        "approval, and verifies the signature with the passkey's public key here, not on the server; also\n" +
        'checks that the decision record and its ledger leaf commit to it. Exit 1 when any check fails.',
      positionals: { min: 1, max: 1, names: 'ID' },
      json: true,
      examples: ['mima approvals verify-signature 3f2a9c1e'],
      run: runVerifySignature,
    },
  ],
}

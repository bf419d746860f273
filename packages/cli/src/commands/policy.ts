import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { MissingCredentialsError, RefusedError, UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { ApiError } from '../http/api-client'
import { table } from '../output/format'
import { lineDiff } from './policy-diff'
import { POLICY_DIRECTORY, policyFileSubcommands, runPolicyFileList } from './policy-files'

interface PolicyVersion {
  name: string
  version: number
  content_hash: string
  created_by: string
  created_at: string
  source?: string
  document?: unknown
  created?: boolean
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

function policyNameArgument(value: string | undefined, what = 'NAME'): string {
  if (value === undefined || !NAME.test(value)) {
    throw new UsageError(`${what} must be 1–128 letters, digits, '.', '_' or '-' (got '${value ?? ''}')`)
  }
  return value
}

function versionArgument(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new UsageError(`${flag} must be a version number (1, 2, …)`)
  return Number(value)
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** Prints the server's refusal of a policy: each problem with its file, line and field. */
function refusedPolicy(context: CommandContext, error: ApiError): ExitCode {
  const body = error.body as { error?: { message?: string; details?: { issues?: unknown } } } | undefined
  const issues = Array.isArray(body?.error?.details?.issues)
    ? (body?.error?.details?.issues as { field: string; message: string; line?: number; column?: number }[])
    : []
  if (context.output.json) {
    context.output.printJson({ refused: true, message: body?.error?.message ?? error.message, issues })
    return EXIT_CODES.failed
  }
  context.output.info(`${context.output.colors.red('✗')} The policy was refused; nothing was stored.`)
  const file = stringValue(context.values, 'file-name') ?? context.positionals[0] ?? 'policy'
  for (const issue of issues) {
    const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`
    context.output.info(`  ${where}  ${issue.field}: ${issue.message}`)
  }
  if (issues.length === 0) context.output.info(`  ${body?.error?.message ?? error.message}`)
  return EXIT_CODES.failed
}

async function runUpload(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const file = context.positionals[0] as string
  let source: string
  try {
    source = file === '-' ? await readStdin(context.stdin) : await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  const name = policyNameArgument(
    stringValue(values, 'name') ?? (file === '-' ? undefined : basename(file, extname(file))),
    '--name',
  )
  const session = await openSession(context)
  let created: PolicyVersion
  try {
    created = await session.api.request<PolicyVersion>(
      'POST',
      session.api.workspacePath(`policies/${encodeURIComponent(name)}/versions`),
      { body: { source, file: file === '-' ? 'stdin' : basename(file) } },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) return refusedPolicy(context, error)
    throw error
  }
  if (output.json) output.printJson(created)
  else if (created.created)
    output.line(`${output.colors.green('✓')} Policy ${name} version ${created.version} stored`)
  else
    output.line(
      `${output.colors.green('✓')} Policy ${name} unchanged (version ${created.version} has this content)`,
    )
  return EXIT_CODES.ok
}

async function runList(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  let session: Awaited<ReturnType<typeof openSession>>
  try {
    session = await openSession(context)
  } catch (error) {
    // Not logged in, in a project with policy files: list those (the reference's `mima policy list`).
    const directory = stringValue(context.values, 'path') ?? POLICY_DIRECTORY
    if (error instanceof MissingCredentialsError && existsSync(directory)) return runPolicyFileList(context)
    throw error
  }
  const response = await session.api.request<{
    policies: {
      name: string
      latest_version: number
      versions: number
      updated_at: string
      content_hash: string
    }[]
  }>('GET', session.api.workspacePath('policies'))
  if (output.json) {
    output.printJson(response)
    return EXIT_CODES.ok
  }
  if (response.policies.length === 0) {
    output.line('No policies. Upload one: mima policy upload policy.yaml')
    return EXIT_CODES.ok
  }
  const rows = [
    ['NAME', 'VERSION', 'VERSIONS', 'UPDATED', 'HASH'],
    ...response.policies.map((policy) => [
      policy.name,
      String(policy.latest_version),
      String(policy.versions),
      policy.updated_at,
      policy.content_hash.slice(0, 12),
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

async function fetchVersion(
  context: CommandContext,
  name: string,
  version: number | undefined,
): Promise<PolicyVersion> {
  const session = await openSession(context)
  try {
    return await session.api.request<PolicyVersion>(
      'GET',
      session.api.workspacePath(`policies/${encodeURIComponent(name)}`),
      version === undefined ? {} : { query: { version } },
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(
        `no policy ${name}${version === undefined ? '' : ` version ${version}`} in this workspace`,
        {
          status: 404,
          hint: 'Run `mima policy list`.',
        },
      )
    }
    throw error
  }
}

async function runShow(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const name = policyNameArgument(context.positionals[0])
  const version = versionArgument(stringValue(context.values, 'version'), '--version')
  const policy = await fetchVersion(context, name, version)
  if (output.json) {
    output.printJson(policy)
    return EXIT_CODES.ok
  }
  output.info(`# ${policy.name} version ${policy.version} · ${policy.created_at} · by ${policy.created_by}`)
  output.line((policy.source ?? '').replace(/\n$/, ''))
  return EXIT_CODES.ok
}

async function runDiff(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const name = policyNameArgument(context.positionals[0])
  const from = versionArgument(context.positionals[1], 'FROM')
  const toArgument = versionArgument(context.positionals[2], 'TO')
  const to = await fetchVersion(context, name, toArgument)
  const base = await fetchVersion(context, name, from ?? Math.max(1, to.version - 1))
  const lines = lineDiff(base.source ?? '', to.source ?? '')
  const changed = lines.some((line) => line.kind !== 'same')
  if (output.json) {
    output.printJson({ name, from: base.version, to: to.version, changed, lines })
    return EXIT_CODES.ok
  }
  output.line(output.colors.bold(`--- ${name} version ${base.version}`))
  output.line(output.colors.bold(`+++ ${name} version ${to.version}`))
  for (const line of lines) {
    if (line.kind === 'added') output.line(output.colors.green(`+${line.text}`))
    else if (line.kind === 'removed') output.line(output.colors.red(`-${line.text}`))
    else output.line(` ${line.text}`)
  }
  if (!changed) output.info('(no differences)')
  return EXIT_CODES.ok
}

async function runPrecheck(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const text = await readStdin(context.stdin)
  const policy = stringValue(values, 'policy')
  const direction = values.postcheck === true ? 'postcheck' : 'precheck'
  const session = await openSession(context)
  const result = await session.api.request<{
    decision: string
    reasons: string[]
    redacted: string | null
    rule_id: string
    policy_id: string
    policy_version: string
    detector_kinds: string[]
    confirmation_url: string | null
  }>('POST', session.api.workspacePath(`policy/${direction}`), {
    body: {
      raw_text: text,
      ...(policy === undefined ? {} : { policy: policyNameArgument(policy, '--policy') }),
      ...(stringValue(values, 'tool') === undefined ? {} : { tool: stringValue(values, 'tool') }),
      ...(stringValue(values, 'scope') === undefined ? {} : { scope: stringValue(values, 'scope') }),
    },
  })
  const refused = result.decision === 'deny' || result.decision === 'confirm'
  if (output.json) {
    output.printJson(result)
    return refused ? EXIT_CODES.failed : EXIT_CODES.ok
  }
  const mark = refused ? output.colors.red('✗') : output.colors.green('✓')
  output.info(
    `${mark} ${result.decision} · ${result.policy_id} v${result.policy_version} · rule ${result.rule_id}` +
      (result.reasons.length === 0 ? '' : ` · ${result.reasons.join(', ')}`),
  )
  if (result.confirmation_url !== null) output.info(`  Confirm: ${result.confirmation_url}`)
  if (result.decision !== 'deny') output.line((result.redacted ?? text).replace(/\n$/, ''))
  return refused ? EXIT_CODES.failed : EXIT_CODES.ok
}

/** `mima policy`. */
export const policyCommand: CommandSpec = {
  name: 'policy',
  summary: 'Central policies: upload, list, show, diff versions; precheck text from stdin',
  usage: [
    'policy upload FILE [--name NAME]',
    'policy list',
    'policy show NAME [--version N]',
    'policy diff NAME [FROM] [TO]',
    'policy precheck [--policy NAME] [--tool TOOL] [--scope SCOPE] [--postcheck] < text',
    'policy check|files|init [--path DIR]   (policy files in mima_policy/, see `mima test`)',
  ],
  description:
    'Policies are YAML in GovernsAI’s shape (defaults, tool_access, deny_tools, allow_pii, network scopes,\non_error). The server validates each upload and refuses a bad one with its line and field; every change\nis a new version, and services following the policy pick it up.',
  defaultSubcommand: 'list',
  json: true,
  examples: [
    'mima policy upload policy.yaml --name support-bot',
    'mima policy diff support-bot 3 4',
    'echo "mail ana@example.com" | mima policy precheck --policy support-bot',
  ],
  subcommands: [
    ...policyFileSubcommands,
    {
      name: 'upload',
      aliases: ['push'],
      summary: 'Upload a new version of a policy (YAML or JSON; - reads stdin); needs an admin key',
      usage: ['policy upload FILE [--name NAME]'],
      examples: [
        'mima policy upload policy.yaml --name support-bot',
        'cat policy.yaml | mima policy upload - --name support-bot',
      ],
      positionals: { min: 1, max: 1, names: 'FILE' },
      options: {
        name: {
          type: 'string',
          valueName: 'NAME',
          description: 'The policy name (default: the file name without extension)',
        },
      },
      json: true,
      run: runUpload,
    },
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'List the workspace’s policies with their newest version (not logged in: the policy files)',
      usage: ['policy list [--json] [--path DIR]'],
      examples: ['mima policy list'],
      options: {
        path: {
          type: 'string',
          valueName: 'DIR',
          description: 'Policy files listed when not logged in',
          defaultLabel: POLICY_DIRECTORY,
        },
      },
      json: true,
      run: runList,
    },
    {
      name: 'show',
      summary: 'Print a policy version as uploaded (the newest by default)',
      usage: ['policy show NAME [--version N]'],
      examples: ['mima policy show support-bot', 'mima policy show support-bot --version 2'],
      positionals: { min: 1, max: 1, names: 'NAME' },
      options: { version: { type: 'string', valueName: 'N', description: 'The version to show' } },
      json: true,
      run: runShow,
    },
    {
      name: 'diff',
      summary: 'Line diff between two versions (default: the newest and the one before)',
      usage: ['policy diff NAME [FROM] [TO]'],
      examples: ['mima policy diff support-bot', 'mima policy diff support-bot 2 4'],
      positionals: { min: 1, max: 3, names: 'NAME [FROM] [TO]' },
      json: true,
      run: runDiff,
    },
    {
      name: 'precheck',
      summary: 'Check text from stdin on the server; exits 1 on deny or confirm',
      usage: ['policy precheck [--policy NAME] [--tool TOOL] [--scope SCOPE] [--postcheck] < text'],
      examples: ['echo "mail ana@example.com" | mima policy precheck --policy support-bot --tool model.chat'],
      options: {
        policy: {
          type: 'string',
          valueName: 'NAME',
          description: 'The central policy (default: the workspace’s built-in default)',
        },
        tool: {
          type: 'string',
          valueName: 'TOOL',
          description: 'The tool the text is sent to (model.chat, …)',
        },
        scope: {
          type: 'string',
          valueName: 'SCOPE',
          description: 'The scope (net.external makes it a network call)',
        },
        postcheck: { type: 'boolean', description: 'Check it as an output (the policy’s egress rules)' },
      },
      json: true,
      run: runPrecheck,
    },
  ],
}

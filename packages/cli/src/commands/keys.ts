import { resolve } from 'node:path'
import { RefusedError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseEnumText, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { writePrivateFile } from '../config/config'
import { ApiError } from '../http/api-client'
import { table } from '../output/format'

interface ApiKeyInfo {
  id: string
  name?: string
  role?: string
  created_at?: string
  revoked_at?: string | null
  last_used_at?: string | null
  prefix?: string
}

async function runGenerate(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const { generateSigningKey, verifyingKeyHex } = await import('@mima/core')
  const signingKey = generateSigningKey()
  const verifyingKey = verifyingKeyHex(signingKey)
  const out = stringValue(values, 'out')
  if (out !== undefined) {
    const path = resolve(out)
    await writePrivateFile(path, `${signingKey}\n`)
    if (output.json) output.printJson({ verifying_key: verifyingKey, signing_key_file: path })
    else {
      output.line(`Signing key written to ${path} (mode 0600)`)
      output.line(`Verifying key (public): ${verifyingKey}`)
    }
    return EXIT_CODES.ok
  }
  if (output.json) {
    output.printJson({ signing_key: signingKey, verifying_key: verifyingKey })
    return EXIT_CODES.ok
  }
  output.line(`Signing key (secret):   ${signingKey}`)
  output.line(`Verifying key (public): ${verifyingKey}`)
  output.info(
    output.colors.dim(
      'Keep the signing key in a secrets manager; pass it as createMima({ signingKey }) or MIMA_SIGNING_KEY.',
    ),
  )
  return EXIT_CODES.ok
}

async function runList(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const response = await session.api.request<{ keys?: ApiKeyInfo[] } | ApiKeyInfo[]>(
    'GET',
    session.api.workspacePath('keys'),
  )
  const keys = Array.isArray(response) ? response : (response.keys ?? [])
  if (output.json) {
    output.printJson({ keys })
    return EXIT_CODES.ok
  }
  const rows = [
    ['ID', 'NAME', 'ROLE', 'CREATED', 'STATUS'],
    ...keys.map((key) => [
      key.id,
      key.name ?? '',
      key.role ?? '',
      key.created_at ?? '',
      key.revoked_at ? 'revoked' : 'active',
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

async function runCreate(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const role = parseEnumText('role', stringValue(values, 'role') ?? 'ingest', [
    'ingest',
    'approver',
    'admin',
  ] as const)
  const name = stringValue(values, 'name')!
  const session = await openSession(context)
  const created = await session.api.request<{ id: string; key: string; role?: string; name?: string }>(
    'POST',
    session.api.workspacePath('keys'),
    { body: { name, role } },
  )
  if (output.json) {
    output.printJson(created)
    return EXIT_CODES.ok
  }
  output.line(
    `${output.colors.green('✓')} API key created: ${created.name ?? name} (${created.role ?? role})`,
  )
  output.line(`  ID   ${created.id}`)
  output.line(`  Key  ${created.key}`)
  output.info(
    output.colors.yellow('The key is shown once. Store it now (e.g. as MIMA_API_KEY in your CI secrets).'),
  )
  return EXIT_CODES.ok
}

async function runRevoke(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const id = context.positionals[0]!
  const session = await openSession(context)
  try {
    await session.api.requestRaw('DELETE', session.api.workspacePath(`keys/${encodeURIComponent(id)}`))
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(`no API key ${id} in this workspace`, {
        status: 404,
        hint: 'Run `mima keys list`.',
      })
    }
    throw error
  }
  if (output.json) output.printJson({ revoked: id })
  else output.line(`${output.colors.green('✓')} API key ${id} revoked`)
  return EXIT_CODES.ok
}

/** `mima keys`. */
export const keysCommand: CommandSpec = {
  name: 'keys',
  summary: 'Generate an Ed25519 signing key; create, list and revoke API keys (admin)',
  usage: [
    'keys generate [--out FILE]',
    'keys list',
    'keys create --name NAME [--role ingest|approver|admin]',
    'keys revoke ID',
  ],
  description:
    '`generate` makes an Ed25519 signing key locally (nothing is sent): attestations signed with it earn\n' +
    'trust tier "verified". `list`, `create` and `revoke` manage the workspace API keys and need an admin key.',
  json: true,
  examples: ['mima keys generate --out ~/.mima/signing.key', 'mima keys create --name ci --role ingest'],
  subcommands: [
    {
      name: 'generate',
      summary: 'Generate an Ed25519 signing key (local only)',
      usage: ['keys generate [--out FILE]'],
      options: {
        out: {
          type: 'string',
          valueName: 'FILE',
          description: 'Write the secret key to FILE (mode 0600) instead of printing it',
        },
      },
      json: true,
      examples: ['mima keys generate', 'mima keys generate --out signing.key --json'],
      run: runGenerate,
    },
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'List API keys (admin)',
      usage: ['keys list [--json]'],
      json: true,
      examples: ['mima keys list'],
      run: runList,
    },
    {
      name: 'create',
      summary: 'Create an API key (admin); the key is shown once',
      usage: ['keys create --name NAME [--role ingest|approver|admin]'],
      options: {
        name: { type: 'string', valueName: 'NAME', description: 'What the key is for', required: true },
        role: {
          type: 'string',
          valueName: 'ROLE',
          description: 'ingest (agents, CI), approver or admin',
          defaultLabel: 'ingest',
        },
      },
      json: true,
      examples: [
        'mima keys create --name github-actions --role ingest',
        'mima keys create --name alice --role approver --json',
      ],
      run: runCreate,
    },
    {
      name: 'revoke',
      aliases: ['delete', 'rm'],
      summary: 'Revoke an API key (admin)',
      usage: ['keys revoke ID'],
      positionals: { min: 1, max: 1, names: 'ID' },
      json: true,
      examples: ['mima keys revoke key_123'],
      run: runRevoke,
    },
  ],
}

import { readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PUSH_RECORDS } from '../src/commands/push-records'
import { COMMANDS } from '../src/commands/registry'
import { createHome, runMima, runMimaInProcess, splitExample } from './run-mima'

let home: string
beforeAll(async () => {
  home = await createHome()
})

/** Runs `mima …args` in this process and checks it refuses them: exit `code`, `message` on stderr. */
async function expectRefused(args: readonly string[], code: number, message: string): Promise<void> {
  const result = await runMimaInProcess(args, { home })
  expect(result.code, args.join(' ')).toBe(code)
  expect(result.stderr, args.join(' ')).toContain(message)
}

describe('mima (no server needed)', () => {
  it('prints the command list, the exit-code table and examples on --help, exit 0', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const result = await runMima(args, { home })
      expect(result.code).toBe(0)
      for (const entry of COMMANDS.filter((command) => !command.hidden)) {
        expect(result.stdout).toContain(`  ${entry.name} `)
      }
      expect(result.stdout).toContain('Exit codes:')
      expect(result.stdout).toContain('3  server unreachable')
    }
  })

  it('prints the version', async () => {
    const result = await runMima(['--version'], { home })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^mima \d+\.\d+\.\d+/)
  })

  it('has --help with examples on every command and subcommand', async () => {
    const paths: string[][] = []
    for (const entry of COMMANDS) {
      const spec = await entry.load()
      paths.push([entry.name], ...(spec.subcommands ?? []).map((sub) => [entry.name, sub.name]))
    }
    for (const record of PUSH_RECORDS) paths.push(['push', record.recordType])
    for (const path of paths) {
      const result = await runMimaInProcess([...path, '--help'], { home })
      const label = `mima ${path.join(' ')} --help`
      expect(result.code, label).toBe(0)
      expect(result.stdout, label).toContain(`Usage:\n  mima ${path.join(' ')}`)
      expect(result.stdout, label).toContain('Examples:')
    }
    const help = await runMimaInProcess(['help', 'gates'], { home })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('mima gates check')
  })

  it('exits 2 on an unknown command, with a suggestion', async () => {
    const result = await runMima(['stauts'], { home })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown command 'stauts' (did you mean 'status'?)")
    expect(result.stdout).toBe('')
  })

  it('exits 2 on an unknown flag, a flag without its value, or a bad value', async () => {
    await expectRefused(['status', '--jsn'], 2, 'unknown flag --jsn (did you mean --json?)')

    await expectRefused(['push', 'vendor_risk', '--vendor'], 2, '--vendor needs a value')

    await expectRefused(
      ['gates', 'set', 'eu_ai_act', 'required', '--threshold', 'high'],
      2,
      '--threshold must be a whole number',
    )

    await expectRefused(
      ['gates', 'set', 'eu_ai_act', 'mandatory'],
      2,
      '--mode must be one of required, advisory',
    )

    // Flags a command would ignore are refused instead.
    const serveJson = await runMimaInProcess(['serve', '--json'], { home })
    expect(serveJson.code).toBe(2)
    expect(JSON.parse(serveJson.stdout).error.message).toContain('has no JSON output')
    await expectRefused(['serve', '--base-url', 'http://127.0.0.1:1'], 2, 'use --host and --port')

    await expectRefused(['status', 'now'], 2, "unexpected argument 'now'")
  })

  it('exits 2 with what to do when no credentials are configured', async () => {
    for (const args of [
      ['status'],
      ['gates', 'check'],
      ['approvals'],
      ['push', 'vendor_risk', '--vendor', 'v', '--tier', 'low', '--last-reviewed', '2026-01-01'],
      ['verify'],
    ]) {
      const result = await runMimaInProcess(args, { home })
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toContain('not logged in')
      expect(result.stderr, args.join(' ')).toContain('mima login')
    }
  })

  it('reports errors as JSON on stdout with --json', async () => {
    const result = await runMimaInProcess(['status', '--json'], { home })
    expect(result.code).toBe(2)
    const body = JSON.parse(result.stdout)
    expect(body.error).toMatchObject({ code: 'config_missing', exit_code: 2 })
    expect(result.stderr).toBe('')
  })

  it('exits 3 and says what to check when the server is down', async () => {
    // A port that was just listening and is now closed: nothing answers there.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const env = {
      MIMA_API_KEY: 'mima_x',
      MIMA_WORKSPACE_ID: 'ws-1',
      MIMA_BASE_URL: `http://127.0.0.1:${port}/api`,
    }
    for (const args of [['status'], ['gates', 'check'], ['posture'], ['verify'], ['approvals', 'list']]) {
      const result = await runMimaInProcess(args, { home, env })
      expect(result.code, args.join(' ')).toBe(3)
      expect(result.stderr).toContain(`could not reach the Mima server at http://127.0.0.1:${port}`)
      expect(result.stderr).toContain('ECONNREFUSED')
      expect(result.stderr).toContain('Check that the server is running')
    }
  })

  it('refuses a bad base URL with exit 2', async () => {
    const result = await runMimaInProcess(['status'], {
      home,
      env: { MIMA_API_KEY: 'k', MIMA_WORKSPACE_ID: 'w', MIMA_BASE_URL: 'ftp://example.com' },
    })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('must start with http:// or https://')
  })

  it('never colours output that is not a terminal, and colours it when forced', async () => {
    const plain = await runMima(['push', '--dry-run', ...splitExample(PUSH_RECORDS[0]!.example).slice(1)], {
      home,
    })
    expect(plain.stdout).not.toContain('\u001b[')
    const forced = await runMima(
      ['push', '--dry-run', '--color', ...splitExample(PUSH_RECORDS[0]!.example).slice(1)],
      {
        home,
      },
    )
    expect(forced.stdout).toContain('\u001b[')
    const noColor = await runMima(['push', '--dry-run', ...splitExample(PUSH_RECORDS[0]!.example).slice(1)], {
      home,
      env: { FORCE_COLOR: '0', NO_COLOR: '1' },
    })
    expect(noColor.stdout).not.toContain('\u001b[')
  })
})

describe('mima push --dry-run (no credentials, no network)', () => {
  it('shows the controls each of the 13 record types earns', async () => {
    expect(PUSH_RECORDS).toHaveLength(13)
    for (const spec of PUSH_RECORDS) {
      const args = splitExample(spec.example)
      const result = await runMimaInProcess([...args, '--dry-run', '--json'], { home })
      expect(result.code, spec.example).toBe(0)
      const body = JSON.parse(result.stdout)
      expect(body.record.record_type).toBe(spec.recordType)
      expect(body.mapped_controls.length, spec.recordType).toBeGreaterThan(0)
      for (const control of body.mapped_controls) expect(control.control_id).toMatch(/^[a-z0-9_]+:/)
    }
  })

  it('prints a human list of controls with titles', async () => {
    const result = await runMimaInProcess(
      [
        'push',
        'change_event',
        '--dry-run',
        '--by',
        'ci',
        '--description',
        'Deploy',
        '--environment',
        'production',
        '--system',
        'checkout',
      ],
      { home },
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('DRY RUN: nothing sent')
    expect(result.stdout).toContain('soc2_type2:CC8.1')
    expect(result.stdout).toContain('SOC 2 Type II')

    const incident = await runMimaInProcess(
      [
        'push',
        'incident_report',
        '--dry-run',
        '--title',
        't',
        '--severity',
        'high',
        '--description',
        'd',
        '--affected-systems',
        'a',
      ],
      { home },
    )
    expect(incident.stdout).toContain('Would also earn, if:')
    expect(incident.stdout).toMatch(/eu_ai_act:art_73 .*--authority-notified-at is given/)
  })

  it('exits 2 on an unknown record type and on missing required flags, naming them', async () => {
    await expectRefused(
      ['push', 'acces_review', '--dry-run'],
      2,
      "unknown record type 'acces_review' (did you mean access_review?)",
    )

    await expectRefused(
      ['push', 'access_review', '--dry-run', '--user', 'alice'],
      2,
      'missing required flags --resource, --granted, --reviewed-by',
    )

    await expectRefused(['push', 'vendor_risk', '--dry-run', '--user', 'alice'], 2, 'unknown flag --user')

    // change_event names its system with --system: a --system-name would be ignored, so it is refused.
    await expectRefused(
      [
        'push',
        'change_event',
        '--dry-run',
        '--by',
        'ci',
        '--description',
        'd',
        '--environment',
        'prod',
        '--system',
        'api',
        '--system-name',
        'other',
      ],
      2,
      'unknown flag --system-name',
    )
  })

  it('exits 1 when the record is refused: values outside the allowed set, rules across fields', async () => {
    await expectRefused(
      ['push', 'vendor_risk', '--dry-run', '--vendor', 'v', '--tier', 'hgh', '--last-reviewed', '2026-01-01'],
      1,
      "--tier must be one of critical, high, medium, low; got 'hgh' (did you mean high?)",
    )

    await expectRefused(
      [
        'push',
        'ai_risk_assessment',
        '--dry-run',
        '--system',
        's',
        '--risk-tier',
        'high',
        '--use-case',
        'u',
        '--intended-purpose',
        'p',
        '--impact-domains',
        'hr',
        '--art5-self-assessment',
        'true',
        '--assessor',
        'a@example.com',
      ],
      1,
      '--annex-iii-category is required',
    )

    await expectRefused(
      [
        'push',
        'governance_review',
        '--dry-run',
        '--reviewed-by',
        'x',
        '--report-type',
        'q',
        '--frameworks',
        'eu_ai_act',
        '--overall-readiness',
        '140',
      ],
      1,
      '--overall-readiness must be an integer from 0 to 100',
    )

    await expectRefused(
      [
        'push',
        'access_review',
        '--dry-run',
        '--user',
        'a',
        '--resource',
        'r',
        '--granted',
        'maybe',
        '--reviewed-by',
        'b',
      ],
      2,
      '--granted must be true or false',
    )
  })

  it('validates --stdin records before anything is sent', async () => {
    const valid = JSON.stringify({
      record_type: 'incident_report',
      system_name: 'support-bot',
      payload: {
        title: 't',
        severity: 'high',
        description: 'd',
        affected_systems: ['support-bot'],
        authority_notified_at: '2026-11-20',
      },
    })
    const ok = await runMimaInProcess(['push', '--stdin', '--dry-run', '--json'], { home, stdin: valid })
    expect(ok.code).toBe(0)
    expect(
      JSON.parse(ok.stdout).mapped_controls.map((control: { control_id: string }) => control.control_id),
    ).toContain('eu_ai_act:art_73')

    const notJson = await runMimaInProcess(['push', '--stdin', '--dry-run'], {
      home,
      stdin: '{"record_type": ',
    })
    expect(notJson.code).toBe(1)
    expect(notJson.stderr).toContain('--stdin: not valid JSON')

    const incomplete = await runMimaInProcess(['push', '--stdin', '--dry-run'], {
      home,
      stdin: JSON.stringify({ record_type: 'vendor_risk', payload: { vendor: 'v', tier: 'low' } }),
    })
    expect(incomplete.code).toBe(1)
    expect(incomplete.stderr).toContain('payload.last_reviewed is required')

    const unknownField = await runMimaInProcess(['push', '--stdin', '--dry-run'], {
      home,
      stdin: JSON.stringify({ record_type: 'vendor_risk', payload: {}, extra: 1 }),
    })
    expect(unknownField.code).toBe(1)
    expect(unknownField.stderr).toContain('unknown field extra')
  })
})

describe('mima keys generate', () => {
  it('generates an Ed25519 seed and its public key, locally', async () => {
    const result = await runMimaInProcess(['keys', 'generate', '--json'], { home })
    expect(result.code).toBe(0)
    const body = JSON.parse(result.stdout)
    expect(body.signing_key).toMatch(/^[0-9a-f]{64}$/)
    expect(body.verifying_key).toMatch(/^[0-9a-f]{64}$/)
    const { verifyingKeyHex } = await import('@mima/core')
    expect(verifyingKeyHex(body.signing_key)).toBe(body.verifying_key)

    // With --out the secret goes to a 0600 file and is not printed.
    // A relative --out is resolved against the working directory: a real process, started in HOME.
    const out = await runMima(['keys', 'generate', '--out', 'signing.key'], { home })
    expect(out.code).toBe(0)
    const path = join(home, 'signing.key')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const seed = (await readFile(path, 'utf8')).trim()
    expect(seed).toMatch(/^[0-9a-f]{64}$/)
    expect(out.stdout).not.toContain(seed)
    expect(out.stdout).toContain(verifyingKeyHex(seed))
  })
})

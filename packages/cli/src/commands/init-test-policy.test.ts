import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { CommandContext } from '../cli/command'
import { createOutput } from '../output/output'
import { loadPolicyFile } from '../policy-files/load-policy-files'
import { addGuardToEntry, workflowSource } from './init'
import { policyFileSubcommands } from './policy-files'
import { runInProcess } from './run-in-process.test-helper'

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'scanner', 'test', 'fixtures')

function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'mima-init-'))
  cpSync(join(FIXTURES, 'attestation'), join(root, 'src'), { recursive: true })
  mkdirSync(join(root, '.git', 'hooks'), { recursive: true })
  writeFileSync(
    join(root, 'src', 'index.ts'),
    "import express from 'express'\nimport OpenAI from 'openai'\n\nexpress()\n",
  )
  return root
}

describe('mima init', () => {
  it('--yes writes the governance test, the hook, the workflow and enableGuard; never overwrites without --force', async () => {
    const root = project()
    const first = await runInProcess(['init', root, '--yes'])
    expect(first.code).toBe(0)
    expect(first.stderr).toMatch(/9 call\(s\) across 1 file\(s\), 3 unattested/)
    const test = readFileSync(join(root, 'governance.test.ts'), 'utf8')
    expect(test).toContain("import { assertAttested, scan } from '@mima/scanner'")
    expect(test).toContain('{ minCoverage: 1 }')
    const hook = join(root, '.git', 'hooks', 'pre-commit')
    expect(readFileSync(hook, 'utf8')).toContain('mima scan . --strict')
    expect(statSync(hook).mode & 0o111).toBe(0o111)
    expect(readFileSync(join(root, '.github', 'workflows', 'governance.yml'), 'utf8')).toMatch(
      /npx --yes @mima\/cli@\d+\.\d+\.\d+ scan \. --strict/,
    )
    expect(readFileSync(join(root, 'src', 'index.ts'), 'utf8')).toContain(
      "import OpenAI from 'openai'\nimport { enableGuard } from '@mima/guard'\nenableGuard({ mode: 'warn' })",
    )

    const again = await runInProcess(['init', root, '--yes'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists. Use --force to overwrite.')
    const forced = await runInProcess(['init', root, '--yes', '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(hook, 'utf8').match(/# mima pre-commit hook/g)).toHaveLength(1)
    expect(readFileSync(join(root, 'src', 'index.ts'), 'utf8').match(/enableGuard\(/g)).toHaveLength(1)
  })

  it('writes a workflow whose conditional steps can see the secrets they test', () => {
    const workflow = parse(workflowSource('governance.test.ts')) as {
      env?: Record<string, string>
      jobs: Record<string, { env?: Record<string, string>; steps: Array<{ if?: string; run?: string }> }>
    }
    const job = workflow.jobs.governance
    expect(job?.steps.map((step) => step.run ?? '').join('\n')).toContain('gates check')
    // GitHub evaluates a step's `if` before that step's own env exists: what it tests must be set
    // on the job or the workflow, or the step is silently skipped on every run.
    const visible = { ...workflow.env, ...job?.env }
    const tested = (job?.steps ?? []).flatMap((step) =>
      [...(step.if ?? '').matchAll(/env\.(\w+)/g)].map((m) => m[1]),
    )
    expect(tested.length).toBeGreaterThan(0)
    for (const name of tested) expect(visible, `env.${name} in a step's if`).toHaveProperty(name as string)
  })

  it('without --yes and without a terminal writes only the test file', async () => {
    const root = project()
    expect((await runInProcess(['init', root])).code).toBe(0)
    expect(existsSync(join(root, 'governance.test.ts'))).toBe(true)
    expect(existsSync(join(root, '.git', 'hooks', 'pre-commit'))).toBe(false)
    expect(existsSync(join(root, '.github'))).toBe(false)
  })

  it('leaves an entry point that already enables the guard alone', () => {
    expect(addGuardToEntry("import { enableGuard } from '@mima/guard'\nenableGuard()\n")).toBeUndefined()
  })
})

describe('mima test', () => {
  it('--coverage prints the coverage and the unattested sites, exit 1 below --min', async () => {
    const below = await runInProcess(['test', '--coverage', join(FIXTURES, 'attestation')])
    expect(below.code).toBe(1)
    expect(below.stdout).toContain('Attestation Coverage: 66.6%  (6/9 attested)')
    expect(below.stdout).toMatch(/Unattested: .*attested\.ts:54:28 {2}\[openai\]/)
    expect(
      (await runInProcess(['test', '--coverage', join(FIXTURES, 'attestation'), '--min', '60'])).code,
    ).toBe(0)
  })

  it('with no argument and no mima_policy/ exits 2; a missing test file exits 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mima-test-'))
    const none = await runInProcess(['test', '--path', join(empty, 'mima_policy')])
    expect(none.code).toBe(2)
    expect((await runInProcess(['test', join(empty, 'missing.test.ts')])).code).toBe(1)
  })
})

function context(
  values: CommandContext['values'],
  json = false,
): { context: CommandContext; out: () => string } {
  let text = ''
  const sink = {
    write: (chunk: string) => {
      text += chunk
      return true
    },
  } as unknown as NodeJS.WritableStream
  return {
    context: {
      commandPath: 'mima policy',
      values,
      positionals: [],
      output: createOutput({ json, noColor: true, env: {}, stdout: sink, stderr: sink }),
      env: { HOME: '/nonexistent-mima-home' },
      home: '/nonexistent-mima-home',
      baseUrlFlag: undefined,
      stdin: process.stdin,
    },
    out: () => text,
  }
}

const subcommand = (name: string) => policyFileSubcommands.find((entry) => entry.name === name)!

describe('policy files', () => {
  it('init writes the five starter templates, which load cleanly; files lists them', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'mima-policy-')), 'mima_policy')
    const init = context({ path: directory })
    expect(await subcommand('init').run!(init.context)).toBe(0)
    for (const framework of ['eu_ai_act', 'soc2_type2', 'iso_42001', 'nist_airf', 'iso_27001']) {
      const loaded = loadPolicyFile(join(directory, `${framework}.yaml`))
      expect(loaded).toMatchObject({ framework })
    }
    const list = context({ path: directory })
    expect(await subcommand('files').run!(list.context)).toBe(0)
    expect(list.out()).toContain('EU AI Act Art.9 Readiness  [eu_ai_act]')
    // Not logged in, `mima policy list` (the reference's name) lists the same files.
    const listed = await runInProcess(['policy', 'list', '--path', directory])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain('min_readiness_pct')
    // The same subcommands are reachable through `mima policy`, next to the central-policy ones.
    const routed = await runInProcess(['policy', 'files', '--path', directory])
    expect(routed.code).toBe(0)
    expect(routed.stdout).toContain('EU AI Act Art.9 Readiness  [eu_ai_act]')
  })

  it('check without credentials fails server-side assertions (exit 1) and passes scan coverage on its own', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'mima-policy-')), 'mima_policy')
    mkdirSync(directory)
    writeFileSync(
      join(directory, 'coverage.yaml'),
      `name: Coverage\nframework: eu_ai_act\nassertions:\n  - type: scan_coverage\n    min_pct: 60\n    path: ${JSON.stringify(join(FIXTURES, 'attestation'))}\n`,
    )
    const pass = context({ path: directory }, true)
    expect(await subcommand('check').run!(pass.context)).toBe(0)
    expect(JSON.parse(pass.out())[0].assertions[0]).toMatchObject({
      type: 'scan_coverage',
      passed: true,
      actual: '66%',
    })

    writeFileSync(
      join(directory, 'readiness.yaml'),
      'name: Ready\nframework: soc2_type2\nassertions:\n  - type: min_readiness_pct\n',
    )
    const fail = context({ path: directory })
    expect(await subcommand('check').run!(fail.context)).toBe(1)
    expect(fail.out()).toMatch(/min_readiness_pct +no API +FAIL/)
    const filtered = context({ path: directory, framework: 'eu_ai_act' }, true)
    expect(await subcommand('check').run!(filtered.context)).toBe(0)
    expect(JSON.parse(filtered.out())).toHaveLength(1)
  })

  it('a bad file is reported with its line and field, exit 2', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'mima-policy-')), 'mima_policy')
    mkdirSync(directory)
    writeFileSync(
      join(directory, 'bad.yaml'),
      'name: Bad\nframework: eu_ai_act\nassertions:\n  - type: min_readiness_pct\n    threshold: high\n',
    )
    const check = context({ path: directory })
    expect(await subcommand('check').run!(check.context)).toBe(2)
    expect(check.out()).toContain('bad.yaml:5: assertions[0].threshold: must be a non-negative number')
    expect(loadPolicyFile('x.yaml', 'name: X\nframework: y\nassertions:\n  - type: nope\n')).toMatchObject({
      line: 4,
      field: 'assertions[0].type',
    })
    expect(loadPolicyFile('x.yaml', 'name: a\nframework: b\nname: c\n')).toMatchObject({ line: 3 })
  })

  it('a missing directory is a usage error (exit 2)', async () => {
    const missing = context({ path: join(tmpdir(), 'no-such-mima-policy') })
    await expect(subcommand('check').run!(missing.context)).rejects.toMatchObject({ exitCode: 2 })
  })
})

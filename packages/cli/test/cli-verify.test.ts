import { createHash } from 'node:crypto'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PUSH_VENDOR_RISK, useAdminServer } from './admin-server'
import { createHome, runMima, runMimaInProcess } from './run-mima'

// Verifying the ledger and audit packs against a real server. The default audit-pack path is the
// working directory, so that one run spawns the built binary; the rest run in this process.
const { server, admin } = useAdminServer()

/**
 * Edits one JSON file of an unpacked audit pack and writes its new hash into manifest.json, as a
 * careful forger would (so only the signature or the ledger can catch it).
 */
async function forgeFile(
  pack: string,
  file: string,
  // biome-ignore lint/suspicious/noExplicitAny: the test edits one field of the pack's JSON
  edit: (content: any) => void,
  indent?: number,
): Promise<void> {
  const path = join(pack, file)
  const content = JSON.parse(await readFile(path, 'utf8'))
  edit(content)
  const text = `${JSON.stringify(content, null, indent)}\n`
  await writeFile(path, text)
  const manifestPath = join(pack, 'manifest.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))
  manifest.files[file] = createHash('sha256').update(text).digest('hex')
  await writeFile(manifestPath, JSON.stringify(manifest))
}

/** `mima verify --pack <pack> --public-key <key>` offline, from an empty HOME. */
async function verifyPack(pack: string, publicKey: string): ReturnType<typeof runMimaInProcess> {
  return runMimaInProcess(['verify', '--pack', pack, '--public-key', publicKey], {
    home: await createHome(),
  })
}

describe('verify and audit-pack', () => {
  it('pins the server key, checks heads for consistency across runs, proves records, and catches a rewritten history', async () => {
    const home = await createHome()
    const first = await runMimaInProcess(['verify', '--json'], { home, env: admin })
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const firstReport = JSON.parse(first.stdout)
    expect(firstReport.verified).toBe(true)
    expect(firstReport.checks.map((check: { check: string }) => check.check)).toEqual(
      expect.arrayContaining(['server key', 'tree head', 'consistency', 'leaves', 'inclusion']),
    )

    const pushed = await runMimaInProcess(
      [
        'push',
        'change_event',
        '--by',
        'ci',
        '--description',
        'deploy',
        '--environment',
        'prod',
        '--system',
        'api',
        '--json',
        '--no-delta',
      ],
      { home, env: admin },
    )
    const recordId = JSON.parse(pushed.stdout).record_id as string

    const second = await runMimaInProcess(['verify', '--record', recordId], { home, env: admin })
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.stdout).toContain('extends the head verified')
    expect(second.stdout).toContain(`record ${recordId} is leaf`)
    expect(second.stdout).toContain('Result: VERIFIED')

    // Pretend this machine once saw a different history: the server's current tree cannot extend it.
    const statePath = JSON.parse(
      (await runMimaInProcess(['verify', '--json', '--quick'], { home, env: admin })).stdout,
    ).state_path
    const state = JSON.parse(await readFile(statePath, 'utf8'))
    state.last_head.root_hash = 'ab'.repeat(32)
    await writeFile(statePath, JSON.stringify(state))
    await runMimaInProcess(
      [
        'push',
        'change_event',
        '--by',
        'ci',
        '--description',
        'again',
        '--environment',
        'prod',
        '--system',
        'api',
        '--no-delta',
      ],
      {
        home,
        env: admin,
      },
    )
    const rewritten = await runMimaInProcess(['verify'], { home, env: admin })
    expect(rewritten.code).toBe(1)
    expect(rewritten.stdout).toContain('history was rewritten')
    expect(rewritten.stdout).toContain('Result: FAILED')

    const wrongKey = await runMimaInProcess(['verify', '--public-key', 'cd'.repeat(32), '--quick'], {
      home: await createHome(),
      env: admin,
    })
    expect(wrongKey.code).toBe(1)
    expect(wrongKey.stdout).toContain('not the pinned')

    const missing = await runMimaInProcess(['verify', '--record', 'no-such-record', '--quick'], {
      home: await createHome(),
      env: admin,
    })
    expect(missing.code).toBe(1)
  })

  it('exports an audit pack an auditor can check offline, and detects a tampered pack', async () => {
    const home = await createHome()
    const attested = await fetch(
      `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/attestations/external`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          system_name: 'loan-scorer',
          agent_name: 'loan-scorer',
          tool_name: 'score',
          input_hash: 'a'.repeat(64),
          output_hash: 'b'.repeat(64),
          schema_version: 2,
        }),
      },
    )
    expect(attested.status).toBe(201)
    const pushed = await runMimaInProcess([...PUSH_VENDOR_RISK, '--no-delta'], {
      home,
      env: admin,
    })
    expect(pushed.code).toBe(0)
    const out = join(home, 'pack')
    // Built from the ledger API (any server, any key role): a directory.
    const exported = await runMimaInProcess(['audit-pack', '--from-ledger', '--out', out, '--json'], {
      home,
      env: admin,
    })
    expect(exported.code, exported.stderr).toBe(0)
    const summary = JSON.parse(exported.stdout)
    expect(summary.source).toBe('ledger')
    expect(summary.tree_size).toBeGreaterThan(0)
    expect(summary.evidence).toBeGreaterThan(0)
    expect(summary.attestations).toBeGreaterThan(0)

    // Offline: no credentials, no server URL.
    const offline = await runMimaInProcess(['verify', '--pack', out], { home: await createHome() })
    expect(offline.code, offline.stdout + offline.stderr).toBe(0)
    expect(offline.stdout).toContain('Result: VERIFIED')
    // A pack built from the ledger API carries no server signature: against a key you trust, that fails.
    const unsigned = await verifyPack(out, summary.public_key)
    expect(unsigned.code, unsigned.stdout).toBe(1)
    expect(unsigned.stdout).toContain('manifest.sig.json is missing')

    const again = await runMimaInProcess(['audit-pack', '--out', out], { home, env: admin })
    expect(again.code).toBe(2)

    // By default the server's own pack (its manifest signed by the ledger key), as one .zip in the
    // current directory, checked the same way.
    // The default path is the working directory: a real process, started in HOME.
    const zipped = await runMima(['audit-pack', '--json'], { home, env: admin })
    expect(zipped.code, zipped.stderr).toBe(0)
    expect(JSON.parse(zipped.stdout).source).toBe('server')
    const zipPath = JSON.parse(zipped.stdout).path as string
    expect(zipPath).toMatch(
      new RegExp(`^${home}/mima-audit-pack-${server.workspaceId.slice(0, 8)}-\\d{4}-\\d{2}-\\d{2}\\.zip$`),
    )
    const zipReport = await verifyPack(zipPath, summary.public_key)
    expect(zipReport.code, zipReport.stdout + zipReport.stderr).toBe(0)
    expect(zipReport.stdout).toContain('manifest.json is signed by the server key')

    // In a server-signed pack, even a rewrite that keeps the manifest's hashes consistent is caught.
    const signedDirectory = join(home, 'signed')
    expect(
      (await runMimaInProcess(['audit-pack', '--out', signedDirectory], { home, env: admin })).code,
    ).toBe(0)
    await forgeFile(signedDirectory, 'evidence.json', (evidence) => {
      evidence[0].payload = { ...evidence[0].payload, edited: true }
    })
    const rewritten = await verifyPack(signedDirectory, summary.public_key)
    expect(rewritten.code).toBe(1)
    expect(rewritten.stdout).toContain('the manifest was altered')
    const bytes = await readFile(zipPath)
    bytes[200] = (bytes[200] ?? 0) ^ 0xff
    const brokenZip = join(home, 'broken.zip')
    await writeFile(brokenZip, bytes)
    const broken = await runMimaInProcess(['verify', '--pack', brokenZip], { home: await createHome() })
    expect(broken.code).toBe(1)

    // An edited attestation is caught even when the editor also fixes the manifest's file hashes.
    const forged = join(home, 'forged')
    await cp(out, forged, { recursive: true })
    await forgeFile(
      forged,
      'attestations.json',
      (attestations) => {
        attestations[0].record.tool_name = 'something-else'
      },
      2,
    )
    const forgedReport = await verifyPack(forged, summary.public_key)
    expect(forgedReport.code).toBe(1)
    expect(forgedReport.stdout).toContain('no longer hashes to what its leaf commits to')

    const leavesPath = join(out, 'leaves.jsonl')
    const lines = (await readFile(leavesPath, 'utf8')).trim().split('\n')
    const leaf = JSON.parse(lines[0]!)
    leaf.leaf_data = leaf.leaf_data.replace(
      /"accepted_at":"[^"]+"/,
      '"accepted_at":"2000-01-01T00:00:00.000Z"',
    )
    lines[0] = JSON.stringify(leaf)
    await writeFile(leavesPath, `${lines.join('\n')}\n`)
    const tampered = await runMimaInProcess(['verify', '--pack', out, '--json'], { home: await createHome() })
    expect(tampered.code).toBe(1)
    const report = JSON.parse(tampered.stdout)
    expect(report.verified).toBe(false)
    expect(
      report.checks
        .filter((check: { ok: boolean }) => !check.ok)
        .map((check: { check: string }) => check.check),
    ).toEqual(expect.arrayContaining(['files', 'leaves']))
  })
})

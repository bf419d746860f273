import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { useAdminServer } from './admin-server'
import { createHome, runMima, runMimaInProcess } from './run-mima'

// Logging in, the connection each command uses, and API keys, against a real server. Login without a
// terminal spawns the built binary; the rest runs in this process (runMimaInProcess).
const { server, admin } = useAdminServer()

describe('login, whoami, logout', () => {
  it('verifies the key, saves ~/.mima/config.json with mode 0600, and every command then uses it', async () => {
    const home = await createHome()
    const login = await runMimaInProcess(
      ['login', '--url', `${server.baseUrl}/api/`, '--api-key', server.adminKey],
      {
        home,
      },
    )
    expect(login.stderr).toContain('Verifying credentials')
    expect(login.code).toBe(0)
    expect(login.stdout).toContain('Logged in')
    expect(login.stdout).toContain(server.workspaceId)

    const path = join(home, '.mima', 'config.json')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      api_key: server.adminKey,
      workspace_id: server.workspaceId,
      base_url: server.baseUrl,
    })

    const whoami = await runMimaInProcess(['whoami', '--json'], { home })
    expect(whoami.code).toBe(0)
    const me = JSON.parse(whoami.stdout)
    expect(me).toMatchObject({
      base_url: server.baseUrl,
      base_url_source: 'config',
      workspace_id: server.workspaceId,
    })
    expect(me.server.role).toBe('admin')
    expect(me.api_key).not.toBe(server.adminKey)

    // The environment wins over the file, whole: its key with its URL, never the saved workspace.
    const ingestKey = await server.createKey('ingest')
    const envWins = await runMimaInProcess(['whoami', '--json'], {
      home,
      env: { MIMA_API_KEY: ingestKey, MIMA_BASE_URL: server.baseUrl },
    })
    expect(envWins.code, `${envWins.stdout}\n${envWins.stderr}`).toBe(0)
    expect(JSON.parse(envWins.stdout)).toMatchObject({ api_key_source: 'env', server: { role: 'ingest' } })
    // A key of another workspace in the environment next to the saved login: its own workspace is
    // used (looked up for the key), not the saved one (which answered 404 before).
    const other = (await (
      await fetch(`${server.baseUrl}/api/workspaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'second' }),
      })
    ).json()) as { workspace_id: string; admin_key: { key: string } }
    const secondEnv = { MIMA_API_KEY: other.admin_key.key, MIMA_BASE_URL: server.baseUrl }
    const secondStatus = await runMimaInProcess(['status', '--json'], { home, env: secondEnv })
    expect(secondStatus.code, secondStatus.stderr).toBe(0)
    const secondWhoami = JSON.parse(
      (await runMimaInProcess(['whoami', '--json'], { home, env: secondEnv })).stdout,
    )
    expect(secondWhoami).toMatchObject({
      workspace_id_source: 'none',
      server: { workspace_id: other.workspace_id },
    })
    // Half a connection in the environment next to a saved login is refused, naming the variable.
    const half = await runMimaInProcess(['status'], { home, env: { MIMA_BASE_URL: server.baseUrl } })
    expect(half.code).toBe(2)
    expect(half.stderr).toContain('MIMA_BASE_URL is set without MIMA_API_KEY')

    const status = await runMimaInProcess(['status', '--json'], { home })
    expect(status.code).toBe(0)

    const logout = await runMimaInProcess(['logout'], { home })
    expect(logout.code).toBe(0)
    expect(logout.stdout).toContain(`removed ${path}`)
    await expect(stat(path)).rejects.toThrow()
    const after = await runMimaInProcess(['status'], { home })
    expect(after.code).toBe(2)
  })

  it('refuses a key the server does not accept (exit 1) and saves nothing', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(['login', '--url', server.baseUrl, '--api-key', 'mima_wrong'], {
      home,
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not accept this API key')
    await expect(stat(join(home, '.mima', 'config.json'))).rejects.toThrow()
  })

  it('refuses a --workspace-id the key does not belong to', async () => {
    const home = await createHome()
    const result = await runMimaInProcess(
      ['login', '--url', server.baseUrl, '--api-key', server.adminKey, '--workspace-id', 'other'],
      {
        home,
      },
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`belongs to workspace ${server.workspaceId}, not other`)
  })

  it('exits 2 when login has no key and no terminal to ask on', async () => {
    const result = await runMima(['login', '--url', server.baseUrl], { home: await createHome() })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no API key given')
  })

  it('exits 3 on a wrong key for other commands, pointing at the key', async () => {
    const result = await runMimaInProcess(['status'], {
      home: await createHome(),
      env: { ...admin, MIMA_API_KEY: 'mima_wrong' },
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('refused the API key (401')
  })
})

describe('keys', () => {
  it('creates, lists and revokes API keys as admin; an ingest key may not', async () => {
    const home = await createHome()
    const created = await runMimaInProcess(['keys', 'create', '--name', 'ci', '--role', 'ingest', '--json'], {
      home,
      env: admin,
    })
    expect(created.code, created.stderr).toBe(0)
    const { id, key } = JSON.parse(created.stdout)
    expect(typeof key).toBe('string')

    const works = await runMimaInProcess(['whoami', '--json'], { home, env: { ...admin, MIMA_API_KEY: key } })
    expect(JSON.parse(works.stdout).server.role).toBe('ingest')

    const list = await runMimaInProcess(['keys', 'list'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(id)

    const forbidden = await runMimaInProcess(['keys', 'create', '--name', 'x'], {
      home,
      env: { ...admin, MIMA_API_KEY: key },
    })
    expect(forbidden.code).toBe(3)

    const revoke = await runMimaInProcess(['keys', 'revoke', id], { home, env: admin })
    expect(revoke.code, revoke.stderr).toBe(0)
    const revoked = await runMimaInProcess(['whoami'], { home, env: { ...admin, MIMA_API_KEY: key } })
    expect(revoked.code).toBe(3)

    const badRole = await runMimaInProcess(['keys', 'create', '--name', 'x', '--role', 'root'], {
      home,
      env: admin,
    })
    expect(badRole.code).toBe(2)
  })
})

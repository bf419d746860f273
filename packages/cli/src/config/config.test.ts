import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  configPath,
  DEFAULT_BASE_URL,
  normalizeBaseUrl,
  readConfig,
  resolveConfig,
  writeConfig,
} from './config'

describe('normalizeBaseUrl', () => {
  it('names the same server with or without a trailing /api and slashes', () => {
    for (const url of [
      'http://127.0.0.1:8080',
      'http://127.0.0.1:8080/',
      'http://127.0.0.1:8080/api',
      'http://127.0.0.1:8080/api/',
    ]) {
      expect(normalizeBaseUrl(url)).toBe('http://127.0.0.1:8080')
    }
    expect(normalizeBaseUrl('https://example.com/mima/api')).toBe('https://example.com/mima')
    expect(normalizeBaseUrl(' https://example.com/apiary ')).toBe('https://example.com/apiary')
  })

  it('refuses what is not an http(s) URL', () => {
    expect(() => normalizeBaseUrl('localhost:8080')).toThrow(/http/)
    expect(() => normalizeBaseUrl('ftp://example.com')).toThrow(/must start with http/)
    expect(() => normalizeBaseUrl('http://example.com/?x=1')).toThrow(/query/)
  })
})

describe('config file and resolution', () => {
  it('writes ~/.mima/config.json with mode 0600 and reads it back', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    await writeConfig(home, { api_key: 'k', workspace_id: 'w', base_url: 'http://h:1' })
    expect((await stat(configPath(home))).mode & 0o777).toBe(0o600)
    expect((await stat(join(home, '.mima'))).mode & 0o777).toBe(0o700)
    expect(await readConfig(home)).toEqual({ api_key: 'k', workspace_id: 'w', base_url: 'http://h:1' })
    expect((await readFile(configPath(home), 'utf8')).endsWith('\n')).toBe(true)
  })

  it('tightens an existing ~/.mima directory to 0700', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    await mkdir(join(home, '.mima'), { mode: 0o755 })
    await chmod(join(home, '.mima'), 0o755)
    await writeConfig(home, { api_key: 'k', workspace_id: 'w', base_url: 'http://h:1' })
    expect((await stat(join(home, '.mima'))).mode & 0o777).toBe(0o700)
  })

  it('lets the flag, then the environment, win over the file', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    await writeConfig(home, { api_key: 'file-key', workspace_id: 'file-ws', base_url: 'http://file:1/api' })
    const fromFile = await resolveConfig({ home, env: {} })
    expect(fromFile).toMatchObject({ apiKey: 'file-key', workspaceId: 'file-ws', baseUrl: 'http://file:1' })
    expect(fromFile.sources).toEqual({ apiKey: 'config', workspaceId: 'config', baseUrl: 'config' })

    const fromEnv = await resolveConfig({
      home,
      env: { MIMA_API_KEY: 'env-key', MIMA_WORKSPACE_ID: 'env-ws', MIMA_BASE_URL: 'http://env:2/api/' },
    })
    expect(fromEnv).toMatchObject({ apiKey: 'env-key', workspaceId: 'env-ws', baseUrl: 'http://env:2' })

    const fromFlag = await resolveConfig({
      home,
      env: { MIMA_API_KEY: 'env-key', MIMA_BASE_URL: 'http://env:2' },
      baseUrlFlag: 'http://flag:3/api',
    })
    expect(fromFlag.baseUrl).toBe('http://flag:3')
    expect(fromFlag.sources.baseUrl).toBe('flag')

    // The Python CLI's MIMA_API_URL (with /api) is read when MIMA_BASE_URL is not set.
    expect(
      (await resolveConfig({ home, env: { MIMA_API_KEY: 'k', MIMA_API_URL: 'https://py.example/api' } }))
        .baseUrl,
    ).toBe('https://py.example')
  })

  it('takes the whole connection from the environment when it names a key, never the saved workspace', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    await writeConfig(home, { api_key: 'key-a', workspace_id: 'ws-a', base_url: 'http://server-a:8080' })
    const second = await resolveConfig({
      home,
      env: { MIMA_API_KEY: 'key-b', MIMA_BASE_URL: 'http://server-b:9090' },
    })
    expect(second).toMatchObject({ apiKey: 'key-b', workspaceId: undefined, baseUrl: 'http://server-b:9090' })
    expect(second.sources).toEqual({ apiKey: 'env', workspaceId: 'none', baseUrl: 'env' })
    // Another server named by --base-url gets its own workspace lookup, not the saved one.
    const flagged = await resolveConfig({ home, env: {}, baseUrlFlag: 'http://server-c:1' })
    expect(flagged).toMatchObject({ apiKey: 'key-a', workspaceId: undefined, baseUrl: 'http://server-c:1' })
    const same = await resolveConfig({ home, env: {}, baseUrlFlag: 'http://server-a:8080/api' })
    expect(same.workspaceId).toBe('ws-a')
  })

  it('refuses an environment URL or workspace without a key next to a saved login', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    await writeConfig(home, { api_key: 'key-a', workspace_id: 'ws-a', base_url: 'http://server-a:8080' })
    await expect(resolveConfig({ home, env: { MIMA_BASE_URL: 'http://server-b:9090' } })).rejects.toThrow(
      /MIMA_BASE_URL is set without MIMA_API_KEY/,
    )
    await expect(resolveConfig({ home, env: { MIMA_WORKSPACE_ID: 'ws-b' } })).rejects.toThrow(
      /MIMA_WORKSPACE_ID is set without MIMA_API_KEY/,
    )
  })

  it('uses the default server when nothing is configured, and says a broken file must be fixed', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mima-config-'))
    const empty = await resolveConfig({ home, env: {} })
    expect(empty).toMatchObject({ apiKey: undefined, workspaceId: undefined, baseUrl: DEFAULT_BASE_URL })
    await writeConfig(home, {})
    await writeFile(configPath(home), '{ not json')
    await expect(readConfig(home)).rejects.toThrow(/is not valid JSON/)
    await writeFile(configPath(home), '[1]')
    await expect(readConfig(home)).rejects.toThrow(/must hold a JSON object/)
  })
})

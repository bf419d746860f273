import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_BASE_URL, resolveConnection } from './resolve-config'

const directory = mkdtempSync(join(tmpdir(), 'mima-resolve-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

// A saved `mima login` to server A.
const savedLogin = join(directory, 'config.json')
writeFileSync(
  savedLogin,
  JSON.stringify({ api_key: 'key-a', workspace_id: 'ws-a', base_url: 'http://server-a:8080' }),
)

describe('resolveConnection takes the whole connection from one layer', () => {
  it('never pairs an explicit key and URL with the workspace saved by a login to another server', () => {
    const fromOptions = resolveConnection(
      { apiKey: 'key-b', baseUrl: 'http://server-b:9090' },
      { env: {}, configFile: savedLogin },
    )
    expect(fromOptions).toEqual({
      apiKey: 'key-b',
      baseUrl: 'http://server-b:9090/',
      workspaceId: undefined,
      source: 'options',
    })
    const fromEnv = resolveConnection(
      {},
      { env: { MIMA_API_KEY: 'key-b', MIMA_BASE_URL: 'http://server-b:9090' }, configFile: savedLogin },
    )
    expect(fromEnv).toEqual({
      apiKey: 'key-b',
      baseUrl: 'http://server-b:9090/',
      workspaceId: undefined,
      source: 'env',
    })
  })

  it('ignores the environment entirely when options carry a key', () => {
    const connection = resolveConnection(
      { apiKey: 'key-o' },
      { env: { MIMA_API_KEY: 'key-e', MIMA_WORKSPACE_ID: 'ws-e', MIMA_BASE_URL: 'http://e:1' } },
    )
    expect(connection).toEqual({
      apiKey: 'key-o',
      baseUrl: `${DEFAULT_BASE_URL}/`,
      workspaceId: undefined,
      source: 'options',
    })
  })

  it('uses the saved login whole when nothing else names a key', () => {
    expect(resolveConnection({}, { env: {}, configFile: savedLogin })).toEqual({
      apiKey: 'key-a',
      baseUrl: 'http://server-a:8080/',
      workspaceId: 'ws-a',
      source: 'config-file',
    })
  })

  it('refuses an environment URL or workspace without a key next to a saved login, naming both', () => {
    expect(() =>
      resolveConnection({}, { env: { MIMA_BASE_URL: 'http://server-b:9090' }, configFile: savedLogin }),
    ).toThrow(/MIMA_BASE_URL is set in the environment without MIMA_API_KEY.*~\/\.mima\/config\.json/)
  })

  it('uses a base URL or workspace from options as given, dropping a workspace of another server', () => {
    // createMima({ baseUrl }) with MIMA_API_KEY: the quickstart's pattern.
    expect(
      resolveConnection(
        { baseUrl: 'http://server-b:9090' },
        { env: { MIMA_API_KEY: 'key-b', MIMA_BASE_URL: 'http://server-b:9090' }, configFile: false },
      ),
    ).toEqual({ apiKey: 'key-b', baseUrl: 'http://server-b:9090/', workspaceId: undefined, source: 'env' })
    // Pointing the saved login's key at another server never carries its workspace along.
    expect(resolveConnection({ baseUrl: 'http://server-c:1' }, { env: {}, configFile: savedLogin })).toEqual({
      apiKey: 'key-a',
      baseUrl: 'http://server-c:1/',
      workspaceId: undefined,
      source: 'config-file',
    })
    expect(
      resolveConnection({ baseUrl: 'http://server-a:8080/api' }, { env: {}, configFile: savedLogin })
        .workspaceId,
    ).toBe('ws-a')
    expect(
      resolveConnection({ workspaceId: 'ws-x' }, { env: { MIMA_API_KEY: 'key-e' }, configFile: false })
        .workspaceId,
    ).toBe('ws-x')
  })

  it('says how to configure a key when no layer has one', () => {
    expect(() => resolveConnection({}, { env: {}, configFile: false })).toThrow(
      /needs an API key.*MIMA_API_KEY.*mima login/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { loadConfig } from './config'

describe('loadConfig', () => {
  it('defaults to loopback, port 8080 and ./.mima-data', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './.mima-data',
      logLevel: 'info',
      logFormat: 'auto',
      approvalTokenTtlSeconds: 900,
    })
  })

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      MIMA_DATA_DIR: '/var/lib/mima',
      DATABASE_URL: 'postgres://db/mima',
      MIMA_DATABASE_SCHEMA: 'tenant_a',
      MIMA_BOOTSTRAP_API_KEY: 'mima_live_e2etest2026lovable',
      MIMA_BOOTSTRAP_WORKSPACE_ID: 'a92d5798-9e09-4166-a9a6-9dea300aae0e',
      MIMA_BODY_LIMIT_BYTES: '1024',
      MIMA_MAX_BATCH_RECORDS: '10',
      MIMA_LOG_LEVEL: 'warn',
      MIMA_LOG_FORMAT: 'json',
      MIMA_APPROVAL_TOKEN_TTL_SECONDS: '120',
    })
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgres://db/mima',
      databaseSchema: 'tenant_a',
      bootstrapApiKey: 'mima_live_e2etest2026lovable',
      bootstrapWorkspaceId: 'a92d5798-9e09-4166-a9a6-9dea300aae0e',
      bodyLimitBytes: 1024,
      maxBatchRecords: 10,
      logLevel: 'warn',
      logFormat: 'json',
      approvalTokenTtlSeconds: 120,
    })
  })

  it('fails clearly on bad values and ignores empty ones', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/)
    expect(() => loadConfig({ MIMA_LOG_LEVEL: 'loud' })).toThrow(/MIMA_LOG_LEVEL/)
    expect(() => loadConfig({ MIMA_LOG_FORMAT: 'xml' })).toThrow(
      /MIMA_LOG_FORMAT must be auto, json or pretty/,
    )
    // The approvals module's message, raised while loading the configuration.
    for (const bad of ['15 minutes', '0', '86401', '-1']) {
      expect(() => loadConfig({ MIMA_APPROVAL_TOKEN_TTL_SECONDS: bad }), bad).toThrow(
        /MIMA_APPROVAL_TOKEN_TTL_SECONDS must be a whole number of seconds from 1 to 86400/,
      )
    }
    expect(loadConfig({ DATABASE_URL: '  ' }).databaseUrl).toBeUndefined()
  })
})

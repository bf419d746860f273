import { startTestServer, type TestServer } from '@mima-internal/test-server'
import { afterAll, beforeAll } from 'vitest'

/** A real server for one test file, and the variables that connect `mima` to it as its admin. */
export interface AdminServer {
  server: TestServer
  /** MIMA_BASE_URL, MIMA_API_KEY and MIMA_WORKSPACE_ID of the bootstrap admin. */
  admin: Record<string, string>
}

/**
 * Starts a real server on loopback before the file's tests and closes it after them. The two
 * objects returned are filled in by that `beforeAll`, so a file can take them apart at its top.
 */
export function useAdminServer(): AdminServer {
  const server = {} as TestServer
  const admin: Record<string, string> = {}
  beforeAll(async () => {
    Object.assign(server, await startTestServer())
    Object.assign(admin, {
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
    })
  })
  afterAll(async () => {
    // Absent when the server did not start.
    if ('close' in server) await server.close()
  })
  return { server, admin }
}

/** `mima push vendor_risk` with its required flags: a small record any server accepts. */
export const PUSH_VENDOR_RISK: readonly string[] = [
  'push',
  'vendor_risk',
  '--vendor',
  'v',
  '--tier',
  'low',
  '--last-reviewed',
  '2026-01-01',
]

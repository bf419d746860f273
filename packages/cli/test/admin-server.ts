import { startTestServer, type TestServer } from '@mima-internal/test-server'

/** A real server for one test file, and the variables that connect `mima` to it as its admin. */
export interface AdminServer {
  server: TestServer
  /** MIMA_BASE_URL, MIMA_API_KEY and MIMA_WORKSPACE_ID of the bootstrap admin. */
  admin: Record<string, string>
}

/** Starts a real server on loopback (the file's `afterAll` closes it). */
export async function startAdminServer(): Promise<AdminServer> {
  const server = await startTestServer()
  return {
    server,
    admin: {
      MIMA_BASE_URL: server.baseUrl,
      MIMA_API_KEY: server.adminKey,
      MIMA_WORKSPACE_ID: server.workspaceId,
    },
  }
}

import { describe, expect, it } from 'vitest'
import { bootstrapMessage } from './bootstrap'

describe('bootstrapMessage', () => {
  const result = { workspaceId: 'ws-1', adminKey: 'mima_live_secret' }

  it('prints the key once, how to use it, and where the dashboard is', () => {
    const message = bootstrapMessage(result, 'http://127.0.0.1:8080', false)
    expect(message).toContain('mima_live_secret')
    expect(message).toContain('MIMA_WORKSPACE_ID=ws-1')
    expect(message).toContain('Dashboard: http://127.0.0.1:8080/dashboard')
    expect(message).toMatch(/sign in with the admin key or an approver key/)
  })

  it('does not echo a key that came from MIMA_BOOTSTRAP_API_KEY', () => {
    const message = bootstrapMessage(result, 'http://127.0.0.1:8080', true)
    expect(message).not.toContain('mima_live_secret')
    expect(message).toContain('http://127.0.0.1:8080/dashboard')
  })
})

import { describe, expect, it } from 'vitest'
import { bootstrapMessage } from './bootstrap'

describe('bootstrapMessage', () => {
  const result = { workspaceId: 'ws-1', adminKey: 'mima_live_secret' }

  it('prints the key once, how to use it, and where the dashboard is', () => {
    const message = bootstrapMessage(result, 'http://127.0.0.1:8080', false)
    expect(message).toContain('mima_live_secret')
    expect(message).toContain('MIMA_WORKSPACE_ID=ws-1')
    expect(message).toContain('http://127.0.0.1:8080/dashboard')
    // The key sits in a box, every line the same width, apart from the log lines.
    const box = message.split('\n').filter((line) => /^[┌│└]/.test(line))
    expect(box.find((line) => line.includes('mima_live_secret'))).toMatch(
      /^│ +admin key +mima_live_secret +│$/,
    )
    expect(new Set(box.map((line) => line.length)).size).toBe(1)
    expect(message).toContain('login --url http://127.0.0.1:8080 --api-key <admin key>')
    expect(message).toMatch(/sign in with the admin key or an approver key/)
  })

  it('does not echo a key that came from MIMA_BOOTSTRAP_API_KEY', () => {
    const message = bootstrapMessage(result, 'http://127.0.0.1:8080', true)
    expect(message).not.toContain('mima_live_secret')
    expect(message).toContain('http://127.0.0.1:8080/dashboard')
  })
})

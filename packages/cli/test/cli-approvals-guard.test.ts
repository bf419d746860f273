import { createConnection } from 'node:net'
import { describe, expect, it } from 'vitest'
import { useAdminServer } from './admin-server'
import { createHome, runMimaInProcess, spawnMima } from './run-mima'

// Approvals and the guard daemon against a real server. `approvals watch` and the daemon need a
// process of their own (the built binary); the other commands run in this process.
const { server, admin } = useAdminServer()

async function createApproval(key: string, actionType: string): Promise<string> {
  const response = await fetch(
    `${server.baseUrl}/api/workspaces/${server.workspaceId}/governance/approvals`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_type: actionType, context: { amount: 120 }, timeout_seconds: 600 }),
    },
  )
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
}

describe('approvals', () => {
  it('lists pending requests, decides one by its short id, and refuses unknown ids', async () => {
    const home = await createHome()
    const agentKey = await server.createKey('ingest')
    const id = await createApproval(agentKey, 'refund.issue')

    const list = await runMimaInProcess(['approvals'], { home, env: admin })
    expect(list.code).toBe(0)
    expect(list.stdout).toContain(id.slice(0, 8))
    expect(list.stdout).toContain('PENDING')
    expect(list.stdout).toContain('action: refund.issue')

    const ingestDecides = await runMimaInProcess(['approvals', 'decide', id, 'approve'], {
      home,
      env: { ...admin, MIMA_API_KEY: agentKey },
    })
    expect(ingestDecides.code).toBe(3)
    expect(ingestDecides.stderr).toContain('403')

    const decide = await runMimaInProcess(
      ['approvals', 'decide', id.slice(0, 8), 'approve', '--reason', 'checked'],
      {
        home,
        env: admin,
      },
    )
    expect(decide.code, decide.stderr).toBe(0)
    expect(decide.stdout).toContain(`Approved · ${id.slice(0, 8)}`)

    const all = await runMimaInProcess(['approvals', 'list', '--all', '--json'], { home, env: admin })
    const approval = JSON.parse(all.stdout).approvals.find((candidate: { id: string }) => candidate.id === id)
    expect(approval.status).toBe('approved')

    // The server refuses a second decision (409): input refused, exit 1.
    const twice = await runMimaInProcess(['approvals', 'decide', id, 'reject'], { home, env: admin })
    expect(twice.code).toBe(1)
    expect(twice.stderr).toContain('already approved')

    const unknown = await runMimaInProcess(
      ['approvals', 'decide', '0190aaaa-0000-7000-8000-000000000000', 'reject'],
      {
        home,
        env: admin,
      },
    )
    expect(unknown.code).toBe(1)

    const badDecision = await runMimaInProcess(['approvals', 'decide', id, 'maybe'], { home, env: admin })
    expect(badDecision.code).toBe(2)
  })

  it('watch streams a new request the moment it is made', async () => {
    const home = await createHome()
    const agentKey = await server.createKey('ingest')
    const watch = spawnMima(['approvals', 'watch', '--json', '--new-only', '--timeout', '30'], {
      home,
      env: admin,
    })
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (watch.stderr.includes('Watching')) {
          clearInterval(check)
          resolve()
        }
      }, 20)
      watch.child.on('close', () => reject(new Error(`watch exited early: ${watch.stderr}`)))
    })
    // The stream connects right after the banner; give it a moment to subscribe.
    let id = ''
    for (let attempt = 0; attempt < 50 && !watch.stdout.includes('approval.requested'); attempt++) {
      if (attempt === 0 || attempt % 10 === 0) id = await createApproval(agentKey, `deploy.${attempt}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    watch.child.kill('SIGINT')
    expect(await watch.exited).toBe(0)
    const events = watch.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    expect(events.some((event) => event.event === 'approval.requested' && event.approval.id === id)).toBe(
      true,
    )
  })
})

describe('guard', () => {
  it('starts the daemon, reports its status, forwards events to the server and stops', {
    timeout: 60_000,
  }, async () => {
    const home = await createHome()
    const notRunning = await runMimaInProcess(['guard', 'status'], { home })
    expect(notRunning.code).toBe(1)
    expect(notRunning.stdout).toContain('Guard daemon not running')

    const noCredentials = await runMimaInProcess(['guard', 'start', '--forward'], { home })
    expect(noCredentials.code).toBe(2)

    const badMode = await runMimaInProcess(['guard', 'start', '--mode', 'loud'], { home })
    expect(badMode.code).toBe(2)

    const start = await runMimaInProcess(['guard', 'start', '--mode', 'report', '--forward'], {
      home,
      env: admin,
    })
    try {
      expect(start.code, start.stderr).toBe(0)
      expect(start.stdout).toMatch(/Guard daemon started \(PID \d+, mode report\)/)
      expect(start.stdout).toContain(`Forwarding  to ${server.baseUrl}`)

      const again = await runMimaInProcess(['guard', 'start'], { home })
      expect(again.stdout).toContain('already running')

      const status = await runMimaInProcess(['guard', 'status', '--json'], { home })
      expect(status.code).toBe(0)
      const report = JSON.parse(status.stdout)
      expect(report).toMatchObject({ running: true, mode: 'report' })

      // A process on this machine reports an unattested call over the socket.
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection(report.socketPath, () => {
          socket.end(
            `${JSON.stringify({ ts: new Date().toISOString(), call: 'openai.chat.completions.create', pid: 4242 })}\n`,
          )
        })
        socket.on('close', () => resolve())
        socket.on('error', reject)
      })
    } finally {
      const stop = await runMimaInProcess(['guard', 'stop'], { home })
      expect(stop.code).toBe(0)
      expect(stop.stdout).toMatch(/Guard daemon stopped \(was PID \d+\)/)
    }
    // Stopping flushes the forwarder: the server has the event.
    const posture = await runMimaInProcess(['posture', '--json'], { home, env: admin })
    expect(posture.code, posture.stdout + posture.stderr).toBe(0)
    expect(JSON.parse(posture.stdout).unattested_24h).toBeGreaterThanOrEqual(1)

    const stopped = await runMimaInProcess(['guard', 'stop'], { home })
    expect(stopped.stdout).toContain('Guard daemon not running')
    expect((await runMimaInProcess(['guard', 'status'], { home })).code).toBe(1)
  })
})

import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { approvalsServiceOf } from '../approvals/approvals-feature'
import { createServerEvent, type ServerEvent } from '../events/event-bus'
import { type AppEnv, readJsonObject, requireWorkspace, type ServerContext } from '../http/context'
import { apiKeyCheck, watchCredential } from '../http/credential-watch'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { timeFilter } from '../http/pagination'
import { integerQuery, stringQuery } from '../http/query'
import { isObject, optionalString, requiredString } from '../http/validation'
import { AGENT_MIGRATIONS } from './agent-migrations'
import {
  listAgentEvents,
  listAgents,
  listKilledAgents,
  recordHeartbeat,
  setAgentStatus,
  storeAgentEvent,
} from './agent-store'

const BASE = '/workspaces/:ws/agents'
const WRITERS = ['ingest', 'admin', 'approver'] as const
const OPERATORS = ['admin', 'approver'] as const
const NAME = /^[^\p{Cc}]{1,500}$/u

function field<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof Error && 'field' in error)
      throw httpError('validation_failed', error.message, { field: (error as { field: string }).field })
    throw error
  }
}

function agentParam(c: Context<AppEnv>): string {
  const name = c.req.param('name') ?? ''
  if (!NAME.test(name))
    throw httpError('validation_failed', 'The agent name is not valid.', { field: 'name' })
  return name
}

async function raise(server: ServerContext, event: ServerEvent): Promise<void> {
  const bus = approvalsServiceOf(server)?.events
  await server.database.transaction(async (transaction) => {
    await storeAgentEvent(transaction, event)
    await bus?.notifyInTransaction(transaction, event)
  })
  bus?.publish(event)
}

/**
 * Kills or revives an agent and raises `agent.killed` / `agent.revived` (stored, on the event bus
 * for running processes and webhooks). The API and the dashboard both call it.
 */
export async function changeAgentStatus(
  server: ServerContext,
  change: {
    workspaceId: string
    agentName: string
    status: 'active' | 'killed'
    reason: string | null
    changedBy: string
  },
): Promise<ServerEvent> {
  await setAgentStatus(
    server.database,
    change.workspaceId,
    change.agentName,
    change.status,
    change.reason,
    change.changedBy,
  )
  const event = createServerEvent(
    change.status === 'killed' ? 'agent.killed' : 'agent.revived',
    change.workspaceId,
    {
      workspace_id: change.workspaceId,
      agent_name: change.agentName,
      reason: change.reason,
      changed_by: change.changedBy,
    },
  )
  await raise(server, event)
  return event
}

/**
 * Agents: heartbeats and presence (`live`, `idle`, `unresponsive`, `closed`), the kill switch
 * (`POST …/agents/{name}/kill|revive`, kept in the database until revived, pushed to running
 * processes as `agent.killed` / `agent.revived`), loop reports (`loop.detected`), recent events
 * (`GET …/events`) and the workspace's live event stream (`GET …/events/stream`, SSE).
 */
export const agentsFeature: ServerFeature = defineFeature({
  name: 'agents',
  migrations: AGENT_MIGRATIONS,
  register(api, server) {
    const shutdown = new AbortController()
    server.onClose(() => shutdown.abort())

    api.post(`${BASE}/heartbeat`, async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: [...WRITERS] })
      const body = await readJsonObject(c)
      const agentName = field(() => requiredString(body, 'agent_name', 500))
      const instanceId = field(() => requiredString(body, 'instance_id', 200))
      const sessionId = field(() => optionalString(body, 'session_id', 500))
      const state = body.state ?? 'live'
      if (state !== 'live' && state !== 'idle' && state !== 'closed')
        throw httpError('validation_failed', 'state must be live, idle or closed.', { field: 'state' })
      const metadata = body.metadata ?? {}
      if (!isObject(metadata) || JSON.stringify(metadata).length > 8192)
        throw httpError('validation_failed', 'metadata must be a JSON object of at most 8 KB.', {
          field: 'metadata',
        })
      const status = await recordHeartbeat(server.database, workspaceId, {
        agentName,
        instanceId,
        sessionId,
        state,
        metadata,
      })
      return c.json({ agent_name: agentName, ...status })
    })

    api.get(BASE, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const unresponsiveAfterSeconds = integerQuery(c, 'unresponsive_after', { max: 86_400 }) ?? 60
      return c.json({ agents: await listAgents(server.database, workspaceId, { unresponsiveAfterSeconds }) })
    })

    api.get(`${BASE}/killed`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({ agents: await listKilledAgents(server.database, workspaceId) })
    })

    api.post(`${BASE}/loops`, async (c) => {
      const { workspaceId } = requireWorkspace(c, { roles: [...WRITERS] })
      const body = await readJsonObject(c)
      const agentName = field(() => requiredString(body, 'agent_name', 500))
      const toolName = field(() => requiredString(body, 'tool_name', 500))
      const sessionId = field(() => optionalString(body, 'session_id', 500))
      const action = body.action ?? 'log'
      if (action !== 'raise' && action !== 'log')
        throw httpError('validation_failed', 'action must be raise or log.', { field: 'action' })
      const calls = body.calls
      const windowSeconds = body.window_seconds
      if (!Number.isSafeInteger(calls) || (calls as number) < 1)
        throw httpError('validation_failed', 'calls must be a positive integer.', { field: 'calls' })
      if (typeof windowSeconds !== 'number' || !(windowSeconds > 0) || windowSeconds > 86_400)
        throw httpError('validation_failed', 'window_seconds must be a positive number.', {
          field: 'window_seconds',
        })
      const event = createServerEvent('loop.detected', workspaceId, {
        workspace_id: workspaceId,
        agent_name: agentName,
        tool_name: toolName,
        ...(sessionId === undefined ? {} : { session_id: sessionId }),
        calls,
        window_seconds: windowSeconds,
        action,
      })
      await raise(server, event)
      return c.json({ event_id: event.id }, 201)
    })

    api.get(`${BASE}/:name`, async (c) => {
      const { workspaceId } = requireWorkspace(c)
      const agentName = agentParam(c)
      const unresponsiveAfterSeconds = integerQuery(c, 'unresponsive_after', { max: 86_400 }) ?? 60
      const [agent] = await listAgents(server.database, workspaceId, { unresponsiveAfterSeconds, agentName })
      if (agent === undefined) throw httpError('not_found', `No agent "${agentName}" in this workspace.`)
      const events = await listAgentEvents(server.database, workspaceId, { agentName, limit: 50 })
      return c.json({ ...agent, events })
    })

    const changeStatus = (status: 'active' | 'killed') => async (c: Context<AppEnv>) => {
      const principal = requireWorkspace(c, { roles: [...OPERATORS] })
      const agentName = agentParam(c)
      // No body is fine; a body that is not a clean JSON object is refused, not ignored.
      const body = (await c.req.text()).trim() === '' ? {} : await readJsonObject(c)
      const reason = field(() => optionalString(body as Record<string, unknown>, 'reason', 1000)) ?? null
      const changedBy = principal.keyName
      const event = await changeAgentStatus(server, {
        workspaceId: principal.workspaceId,
        agentName,
        status,
        reason,
        changedBy,
      })
      return c.json({ agent_name: agentName, status, reason, changed_by: changedBy, event_id: event.id })
    }
    api.post(`${BASE}/:name/kill`, changeStatus('killed'))
    api.post(`${BASE}/:name/revive`, changeStatus('active'))

    api.get('/workspaces/:ws/events', async (c) => {
      const { workspaceId } = requireWorkspace(c)
      return c.json({
        events: await listAgentEvents(server.database, workspaceId, {
          since: timeFilter(stringQuery(c, 'since'), 'since'),
          type: stringQuery(c, 'type'),
          agentName: stringQuery(c, 'agent_name'),
          limit: integerQuery(c, 'limit', { max: 1000 }) ?? 100,
        }),
      })
    })

    api.get('/workspaces/:ws/events/stream', (c) => {
      const { workspaceId } = requireWorkspace(c)
      const types = stringQuery(c, 'types')
        ?.split(',')
        .map((type) => type.trim())
      const bus = approvalsServiceOf(server)?.events
      if (bus === undefined) throw httpError('not_found', 'This server has no event bus.')
      // Revoking the key ends the stream (on every replica within the key cache's lifetime).
      const credential = watchCredential(apiKeyCheck(c))
      return streamSSE(c, async (stream) => {
        const queue: ServerEvent[] = []
        let wake: (() => void) | undefined
        const unsubscribe = bus.subscribe((event) => {
          if (event.workspaceId !== workspaceId) return
          if (
            types !== undefined &&
            !types.some(
              (type) =>
                type === event.type || (type.endsWith('*') && event.type.startsWith(type.slice(0, -1))),
            )
          )
            return
          queue.push(event)
          wake?.()
        })
        const stop = (): void => wake?.()
        shutdown.signal.addEventListener('abort', stop)
        stream.onAbort(() => {
          unsubscribe()
          wake?.()
        })
        try {
          // The state a (re)connecting client must hold, so a kill raised while it was away is not missed.
          await stream.writeSSE({
            event: 'ready',
            data: JSON.stringify({
              workspace_id: workspaceId,
              killed: await listKilledAgents(server.database, workspaceId),
            }),
          })
          while (!stream.aborted && !shutdown.signal.aborted) {
            if (queue.length > 0 && !(await credential.stillValid())) break
            while (queue.length > 0 && !stream.aborted) {
              const event = queue.shift() as ServerEvent
              await stream.writeSSE({
                id: event.id,
                event: event.type,
                data: JSON.stringify({ ...event.data, type: event.type, occurred_at: event.occurredAt }),
              })
            }
            if (queue.length > 0) continue
            let timer: ReturnType<typeof setTimeout> | undefined
            const heartbeat = await Promise.race([
              new Promise<boolean>((resolve) => {
                wake = () => resolve(false)
                timer = setTimeout(() => resolve(true), 15_000)
              }),
              credential.revoked.then(() => false),
            ])
            clearTimeout(timer)
            wake = undefined
            if (!(await credential.stillValid())) break
            if (heartbeat && !stream.aborted) await stream.write(': keep-alive\n\n')
          }
          if (!stream.aborted && !shutdown.signal.aborted && !(await credential.stillValid())) {
            await stream.writeSSE({
              event: 'revoked',
              data: JSON.stringify({ reason: 'The API key of this stream was revoked.' }),
            })
          }
        } finally {
          credential.stop()
          unsubscribe()
          shutdown.signal.removeEventListener('abort', stop)
        }
      })
    })
  },
})

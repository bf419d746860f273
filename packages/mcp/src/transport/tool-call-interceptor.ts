import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js'
import type { McpCallAnswer, McpGovernance } from '../governance/mcp-governance'
import type { McpToolDefinition } from '../governance/tool-definition'

type Message = JSONRPCMessage & {
  readonly id?: RequestId
  readonly method?: string
  readonly params?: Record<string, unknown>
  readonly result?: Record<string, unknown>
  readonly error?: { code: number; message: string; data?: unknown }
}

/** Options of {@link createToolCallInterceptor}. */
export interface ToolCallInterceptorOptions {
  readonly governance: McpGovernance
  /** Sends a message on toward the upstream MCP server. */
  readonly sendUpstream: (message: JSONRPCMessage, options?: TransportSendOptions) => Promise<void>
  /** Delivers a message to the MCP client, naming the client request it belongs to when known. */
  readonly deliverDownstream: (message: JSONRPCMessage, relatedRequestId?: RequestId) => Promise<void> | void
  /** Called when a message could not be passed on (default: ignored). */
  readonly onError?: ((error: unknown) => void) | undefined
  /** How often a call waiting for an approval tells a client that asked for progress (default 15 s). */
  readonly approvalHeartbeatMs?: number | undefined
}

/** Sits between an MCP client and a server at the JSON-RPC level and governs tool calls. */
export interface ToolCallInterceptor {
  /** A message the client sent. */
  fromClient(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>
  /** A message the server sent. */
  fromServer(message: JSONRPCMessage): void
}

const isRequest = (message: Message): boolean => message.method !== undefined && message.id !== undefined
const isResponse = (message: Message): boolean => message.method === undefined && message.id !== undefined

/**
 * Passes every JSON-RPC message through unchanged except two: the answer to `tools/list` is
 * filtered by the governance, and `tools/call` goes through `governance.callTool` (refusals come
 * back as tool errors with the request's id). Resources, prompts, notifications, progress,
 * cancellation and server-to-client requests are relayed as they are.
 */
export function createToolCallInterceptor(options: ToolCallInterceptorOptions): ToolCallInterceptor {
  const { governance, sendUpstream, deliverDownstream } = options
  const onError = options.onError ?? (() => {})
  /** Client requests `tools/list` whose answers are filtered. */
  const listRequests = new Set<RequestId>()
  /** Governed calls not yet answered to the client: aborted when the client cancels. */
  const governedCalls = new Map<RequestId, AbortController>()
  /** Governed calls forwarded upstream, waiting for the server's answer. */
  const upstreamWaiters = new Map<RequestId, (answer: McpCallAnswer) => void>()
  /** Client requests in flight (for routing server messages that belong to one), by progress token. */
  const inFlight = new Map<RequestId, string | number | undefined>()
  const progressTokens = new Map<string | number, RequestId>()

  const deliver = (message: JSONRPCMessage, related?: RequestId): void => {
    try {
      const delivered = deliverDownstream(message, related)
      if (delivered !== undefined) delivered.catch(onError)
    } catch (error) {
      onError(error)
    }
  }

  const settle = (id: RequestId): void => {
    const token = inFlight.get(id)
    inFlight.delete(id)
    if (token !== undefined) progressTokens.delete(token)
  }

  function governCall(message: Message, sendOptions: TransportSendOptions | undefined): void {
    const id = message.id as RequestId
    const params = message.params ?? {}
    const controller = new AbortController()
    governedCalls.set(id, controller)
    let heartbeat: ReturnType<typeof setInterval> | undefined
    // While a person decides, a client that asked for progress hears that the call waits (and a
    // client that resets its timeout on progress keeps waiting).
    const onApprovalRequested = (approvalId: string): void => {
      const progressToken = inFlight.get(id)
      if (progressToken === undefined) return
      let beats = 0
      const beat = (): void => {
        deliver(
          {
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: {
              progressToken,
              progress: beats++,
              message: `Waiting for a person to approve in Mima (approval ${approvalId}).`,
            },
          },
          id,
        )
      }
      beat()
      heartbeat = setInterval(beat, options.approvalHeartbeatMs ?? 15_000)
      heartbeat.unref?.()
    }
    const stopHeartbeat = (): void => {
      if (heartbeat !== undefined) clearInterval(heartbeat)
      heartbeat = undefined
    }
    const forward = (args: Record<string, unknown> | undefined): Promise<McpCallAnswer> =>
      new Promise<McpCallAnswer>((resolve) => {
        stopHeartbeat()
        upstreamWaiters.set(id, resolve)
        const forwarded =
          args === params.arguments
            ? message
            : ({ ...message, params: { ...params, arguments: args } } as Message)
        sendUpstream(forwarded, sendOptions).catch((error: unknown) => {
          upstreamWaiters.delete(id)
          resolve({
            error: {
              code: -32603,
              message: `The upstream MCP server could not be reached: ${String(error)}`,
            },
          })
        })
      })
    governance
      .callTool(
        {
          name: String(params.name),
          arguments: params.arguments as Record<string, unknown> | undefined,
          signal: controller.signal,
          onApprovalRequested,
        },
        forward,
      )
      .then(
        (answer) => {
          stopHeartbeat()
          governedCalls.delete(id)
          settle(id)
          // A cancelled request gets no answer (the client stopped waiting for it).
          if (controller.signal.aborted) return
          deliver(
            answer.error === undefined
              ? { jsonrpc: '2.0', id, result: answer.result as Record<string, unknown> }
              : { jsonrpc: '2.0', id, error: answer.error },
            id,
          )
        },
        (error: unknown) => {
          stopHeartbeat()
          onError(error)
        },
      )
  }

  return {
    async fromClient(raw, sendOptions) {
      const message = raw as Message
      if (isRequest(message)) {
        const id = message.id as RequestId
        const token = (message.params?._meta as { progressToken?: string | number } | undefined)
          ?.progressToken
        inFlight.set(id, token)
        if (token !== undefined) progressTokens.set(token, id)
        if (message.method === 'tools/call') {
          governCall(message, sendOptions)
          return
        }
        if (message.method === 'tools/list') listRequests.add(id)
      } else if (message.method === 'notifications/cancelled') {
        const cancelledId = message.params?.requestId as RequestId | undefined
        const governed = cancelledId === undefined ? undefined : governedCalls.get(cancelledId)
        if (governed !== undefined) {
          governed.abort(new Error('The client cancelled the call.'))
          // Not forwarded upstream yet: nothing there to cancel.
          if (!upstreamWaiters.has(cancelledId as RequestId)) return
        }
      }
      await sendUpstream(raw, sendOptions)
    },
    fromServer(raw) {
      const message = raw as Message
      if (isResponse(message)) {
        const id = message.id as RequestId
        const waiter = upstreamWaiters.get(id)
        if (waiter !== undefined) {
          upstreamWaiters.delete(id)
          waiter(message.error === undefined ? { result: message.result ?? {} } : { error: message.error })
          return
        }
        settle(id)
        if (listRequests.delete(id) && Array.isArray(message.result?.tools)) {
          const tools = governance.filterTools(message.result.tools as McpToolDefinition[])
          deliver({ ...message, result: { ...message.result, tools } } as JSONRPCMessage, id)
          return
        }
        deliver(raw, id)
        return
      }
      // A notification or a server request: route it to the client request it belongs to.
      const token = (message.params as { progressToken?: string | number } | undefined)?.progressToken
      let related = token === undefined ? undefined : progressTokens.get(token)
      if (related === undefined && inFlight.size === 1) related = inFlight.keys().next().value
      deliver(raw, related)
    },
  }
}

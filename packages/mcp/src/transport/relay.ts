import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js'
import type { McpGovernance } from '../governance/mcp-governance'
import { createToolCallInterceptor } from './tool-call-interceptor'

type Message = { id?: RequestId; method?: string; result?: { protocolVersion?: unknown } }

/**
 * Joins a downstream transport (the proxy is the MCP client's server) to an upstream one (the
 * proxy is the MCP server's client) through the governance. When either side closes, so does the
 * other. Both transports must not be started yet.
 */
export async function relayGoverned(options: {
  readonly downstream: Transport
  readonly upstream: Transport
  readonly governance: McpGovernance
  readonly onError?: ((error: unknown) => void) | undefined
}): Promise<void> {
  const { downstream, upstream, governance } = options
  const report = options.onError ?? (() => {})
  let closing = false
  // Aborted streams while closing are the close itself, not errors.
  const onError = (error: unknown): void => {
    if (!closing) report(error)
  }
  let initializeId: RequestId | undefined
  const interceptor = createToolCallInterceptor({
    governance,
    sendUpstream: (message, sendOptions) => upstream.send(message, sendOptions),
    deliverDownstream: (message, related) =>
      downstream.send(message, related === undefined ? undefined : { relatedRequestId: related }),
    onError,
  })
  downstream.onmessage = (raw: JSONRPCMessage) => {
    const message = raw as Message
    if (message.method === 'initialize') initializeId = message.id
    interceptor.fromClient(raw).catch((error: unknown) => {
      onError(error)
      // A request the upstream never got still gets an answer, so the client does not hang.
      if (message.method !== undefined && message.id !== undefined) {
        downstream
          .send({
            jsonrpc: '2.0',
            id: message.id,
            error: {
              code: -32603,
              message: `The upstream MCP server could not be reached: ${String(error)}`,
            },
          })
          .catch(onError)
      }
    })
  }
  upstream.onmessage = (raw: JSONRPCMessage) => {
    const message = raw as Message
    if (initializeId !== undefined && message.id === initializeId && message.method === undefined) {
      initializeId = undefined
      // The Streamable HTTP client transport sends the negotiated version on later requests.
      if (typeof message.result?.protocolVersion === 'string')
        upstream.setProtocolVersion?.(message.result.protocolVersion)
    }
    interceptor.fromServer(raw)
  }
  const closeBoth = (): void => {
    if (closing) return
    closing = true
    upstream.close().catch(onError)
    downstream.close().catch(onError)
  }
  downstream.onclose = closeBoth
  upstream.onclose = closeBoth
  downstream.onerror = onError
  upstream.onerror = onError
  await upstream.start()
  await downstream.start()
}

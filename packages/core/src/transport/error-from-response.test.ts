import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../../test/mima-test-server'
import { errorFromResponse } from './error-from-response'
import { createTransport } from './transport'

describe('errorFromResponse', () => {
  it("keeps the server's code, message and request id when the code is in the table", () => {
    const error = errorFromResponse(
      422,
      JSON.stringify({
        error: { code: 'approval_token_invalid', message: 'token already used', request_id: 'req_1' },
      }),
      'Attestation push',
    )
    expect(error.code).toBe('approval_token_invalid')
    expect(error.message).toContain('token already used')
    expect(error.requestId).toBe('req_1')
    expect(error.status).toBe(422)
    expect(error.retryable).toBe(false)
  })

  it('falls back to the status for an unknown code, another error shape or no JSON', () => {
    const unknown = errorFromResponse(
      422,
      JSON.stringify({ error: { code: 'no_such_code', message: 'm' } }),
      'x',
    )
    expect(unknown.code).toBe('validation_failed')
    expect(errorFromResponse(404, JSON.stringify({ detail: 'gone' }), 'x').code).toBe('not_found')
    expect(errorFromResponse(502, '<html>bad gateway</html>', 'x').code).toBe('server_error')
  })

  it('keeps a 5xx, 408 or 429 answer retryable whatever code the server names', () => {
    const error = errorFromResponse(
      500,
      JSON.stringify({ error: { code: 'internal_error', message: 'boom' } }),
      'x',
    )
    expect(error.code).toBe('internal_error')
    expect(error.retryable).toBe(true)
  })
})

describe('the transport', () => {
  let server: TestServer
  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.close())

  it("throws the server's error code over HTTP, not one derived from the status", async () => {
    server.script({
      match: /external$/,
      status: 422,
      body: { error: { code: 'approval_token_invalid', message: 'already used', request_id: 'req_42' } },
    })
    const transport = createTransport({ baseUrl: server.url, apiKey: 'k', retry: { limit: 0 } })
    const failure = await transport
      .postAttestation('ws-test', {
        system_name: 's',
        agent_name: 's',
        tool_name: 't',
        input_hash: '',
        output_hash: '',
      } as never)
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(failure).toMatchObject({
      code: 'approval_token_invalid',
      requestId: 'req_42',
      status: 422,
      retryable: false,
    })
    expect((failure as Error).message).toContain('already used')
  })
})

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Who the fake provider signs in next (its login page is skipped: it answers at once). */
export interface FakeIdentity {
  sub: string
  email?: string
  email_verified?: boolean
  name?: string
  /** Groups, in the ID token's `groups` claim. */
  groups?: string[]
  /** Claims served only by the userinfo endpoint (with the access token), not in the ID token. */
  userinfo?: Record<string, unknown>
}

/** A small OpenID Connect provider on 127.0.0.1 for tests: discovery, authorize, token, JWKS. */
export interface FakeOidcProvider {
  issuer: string
  clientId: string
  clientSecret: string
  /** The identity the next authorization signs in. */
  identity: FakeIdentity
  /** Authorization requests received (their query parameters). */
  authorizations: URLSearchParams[]
  /** Token requests received (their form parameters). */
  tokenRequests: URLSearchParams[]
  /** Userinfo requests received (how many). */
  userinfoRequests: number
  close(): Promise<void>
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/**
 * Starts the provider. It checks what a real one checks: the client's credentials, the code's
 * redirect URI, and the PKCE verifier against the S256 challenge; it signs ID tokens with ES256.
 */
export async function startFakeOidcProvider(): Promise<FakeOidcProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'ES256', use: 'sig' }
  const codes = new Map<string, { params: URLSearchParams; identity: FakeIdentity }>()
  const accessTokens = new Map<string, FakeIdentity>()
  let issuer = ''
  const provider: FakeOidcProvider = {
    issuer: '',
    clientId: 'mima-console',
    clientSecret: randomBytes(16).toString('hex'),
    identity: { sub: 'nobody' },
    authorizations: [],
    tokenRequests: [],
    userinfoRequests: 0,
    close: async () => {},
  }

  const idToken = ({ userinfo: _userinfo, ...identity }: FakeIdentity, nonce: string | null): string => {
    const now = Math.floor(Date.now() / 1000)
    const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'test-key' }))
    const payload = base64url(
      JSON.stringify({
        iss: issuer,
        aud: provider.clientId,
        iat: now,
        exp: now + 300,
        ...identity,
        ...(nonce ? { nonce } : {}),
      }),
    )
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    })
    return `${header}.${payload}.${base64url(signature)}`
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', issuer)
    const json = (status: number, body: unknown): void => {
      response
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body))
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/userinfo`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      })
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] })
    if (url.pathname === '/userinfo') {
      provider.userinfoRequests++
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
      const identity = accessTokens.get(token)
      if (identity === undefined) return json(401, { error: 'invalid_token' })
      return json(200, { sub: identity.sub, ...identity.userinfo })
    }
    if (url.pathname === '/authorize') {
      const params = url.searchParams
      provider.authorizations.push(params)
      const redirect = params.get('redirect_uri')
      if (
        params.get('client_id') !== provider.clientId ||
        redirect === null ||
        params.get('code_challenge_method') !== 'S256'
      ) {
        return json(400, { error: 'invalid_request' })
      }
      const code = randomBytes(16).toString('hex')
      codes.set(code, { params, identity: { ...provider.identity } })
      const back = new URL(redirect)
      back.searchParams.set('code', code)
      back.searchParams.set('state', params.get('state') ?? '')
      response.writeHead(302, { location: back.toString() }).end()
      return
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
        provider.tokenRequests.push(form)
        let clientId = form.get('client_id')
        let clientSecret = form.get('client_secret')
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '')
        if (basic?.[1] !== undefined) {
          const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':')
          clientId = decodeURIComponent(id ?? '')
          clientSecret = decodeURIComponent(secret ?? '')
        }
        if (clientId !== provider.clientId || clientSecret !== provider.clientSecret) {
          return json(401, { error: 'invalid_client' })
        }
        const grant = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifier = form.get('code_verifier') ?? ''
        const challenge = createHash('sha256').update(verifier).digest('base64url')
        if (
          grant === undefined ||
          form.get('grant_type') !== 'authorization_code' ||
          form.get('redirect_uri') !== grant.params.get('redirect_uri') ||
          challenge !== grant.params.get('code_challenge')
        ) {
          return json(400, { error: 'invalid_grant' })
        }
        const accessToken = randomBytes(16).toString('hex')
        accessTokens.set(accessToken, grant.identity)
        return json(200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken(grant.identity, grant.params.get('nonce')),
        })
      })
      return
    }
    json(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  provider.issuer = issuer
  provider.close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return provider
}

import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { isPrivateAddress, WebhookUrlError } from './webhook-url'

/** The outcome of one HTTP attempt: the status when the receiver answered, else the error. */
export type PostOutcome = { status: number; error?: undefined } | { status?: undefined; error: string }

/** What {@link postWebhook} sends. */
export interface PostWebhookOptions {
  url: string
  headers: Record<string, string>
  body: string
  /** Whole-attempt budget: connect, send and read the response, in milliseconds. */
  timeoutMs: number
  /** Skip the address check (`MIMA_WEBHOOKS_ALLOW_PRIVATE=true`). */
  allowPrivate: boolean
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

// Resolves like Node does, then refuses private answers: the connection goes to the address that
// was checked, so a DNS answer that changes between check and connect (rebinding) cannot slip in.
function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, [])
    const blocked = addresses.find((entry) => isPrivateAddress(entry.address))
    if (blocked !== undefined) {
      return callback(
        Object.assign(
          new WebhookUrlError(
            `${hostname} resolved to ${blocked.address}, a private address; delivery refused.`,
          ),
          { code: 'EPRIVATE' },
        ),
        [],
      )
    }
    if ((options as { all?: boolean }).all) return callback(null, addresses)
    const first = addresses[0]
    if (first === undefined)
      return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), [])
    callback(null, first.address, first.family)
  })
}

/**
 * POSTs one webhook delivery with `node:http(s)`: no redirects are followed (a 3xx is a failed
 * attempt), the response body is discarded, and the whole attempt is bounded by `timeoutMs`.
 * Never throws; the outcome says what happened.
 */
export function postWebhook(options: PostWebhookOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let url: URL
    try {
      url = new URL(options.url)
    } catch {
      resolve({ error: 'invalid url' })
      return
    }
    const host = url.hostname.replace(/^\[|\]$/g, '')
    if (!options.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
      resolve({ error: `${host} is a private address; delivery refused.` })
      return
    }
    let settled = false
    const finish = (outcome: PostOutcome): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(outcome)
    }
    const requestOptions: RequestOptions = {
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      agent: false,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup as RequestOptions['lookup'] }),
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const request = send(url, requestOptions, (response) => {
      const status = response.statusCode ?? 0
      response.on('error', () => finish({ status }))
      response.on('end', () => finish({ status }))
      response.resume()
    })
    const timer = setTimeout(() => {
      request.destroy()
      finish({ error: `timed out after ${options.timeoutMs} ms` })
    }, options.timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ error: error.code === undefined ? error.message : `${error.code}: ${error.message}` })
    })
    request.end(options.body)
  })
}

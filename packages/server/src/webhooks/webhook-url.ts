import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

// Addresses a webhook must never reach unless the operator allows private targets: loopback,
// "this network", private (RFC 1918, ULA), carrier-grade NAT, link-local (cloud metadata lives at
// 169.254.169.254), benchmarking, documentation, multicast and reserved ranges.
const BLOCKED = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6')
}

/** The IPv4 address inside an IPv4-mapped or -compatible IPv6 address (`::ffff:10.0.0.1`), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase()
  const dotted = /^::(?:ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower)
  if (dotted?.[1] !== undefined) return dotted[1]
  const hex = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower)
  if (hex?.[1] !== undefined && hex[2] !== undefined) {
    const high = Number.parseInt(hex[1], 16)
    const low = Number.parseInt(hex[2], 16)
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`
  }
  return undefined
}

/**
 * Whether `address` (an IP literal) is loopback, link-local, private, or otherwise not a public
 * unicast address. Non-IP input counts as private.
 */
export function isPrivateAddress(address: string): boolean {
  const unbracketed = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const family = isIP(unbracketed)
  if (family === 4) return BLOCKED.check(unbracketed, 'ipv4')
  if (family === 6) {
    const v4 = embeddedIpv4(unbracketed)
    if (v4 !== undefined && isIP(v4) === 4) return BLOCKED.check(v4, 'ipv4')
    return BLOCKED.check(unbracketed, 'ipv6')
  }
  return true
}

/** Why a webhook URL was refused. */
export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError'
}

/** Resolves a host name to its addresses (injectable for tests). */
export type HostResolver = (hostname: string) => Promise<string[]>

/** The system resolver (`getaddrinfo`, every address). */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address)

/** Options for {@link validateWebhookUrl}. */
export interface ValidateWebhookUrlOptions {
  /** Allow loopback, link-local and private targets (`MIMA_WEBHOOKS_ALLOW_PRIVATE=true`). */
  allowPrivate: boolean
  resolve?: HostResolver
}

/**
 * Parses and checks a webhook target: `http:`/`https:` only, no credentials in the URL, at most
 * 2048 characters, and — unless private targets are allowed — every address the host resolves to
 * is a public unicast address. Throws {@link WebhookUrlError} with a message for the caller.
 */
export async function validateWebhookUrl(raw: string, options: ValidateWebhookUrlOptions): Promise<URL> {
  if (raw.length > 2048) throw new WebhookUrlError('url must be at most 2048 characters.')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new WebhookUrlError(`url "${raw.slice(0, 200)}" is not a valid absolute URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookUrlError(`url must use http or https, not ${url.protocol.replace(/:$/, '')}.`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookUrlError('url must not contain credentials; use the webhook secret to authenticate.')
  }
  if (!options.allowPrivate) await assertPublicHost(url.hostname, options.resolve ?? systemResolver)
  return url
}

/**
 * Throws {@link WebhookUrlError} unless every address `hostname` resolves to is public. Called at
 * registration and again on every delivery (the delivery also pins the checked address).
 */
export async function assertPublicHost(
  hostname: string,
  resolve: HostResolver = systemResolver,
): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) throw privateTarget(hostname, host)
    return
  }
  let addresses: string[]
  try {
    addresses = await resolve(host)
  } catch (error) {
    throw new WebhookUrlError(`The host "${hostname}" does not resolve (${(error as Error).message}).`)
  }
  if (addresses.length === 0) throw new WebhookUrlError(`The host "${hostname}" does not resolve.`)
  const blocked = addresses.find((address) => isPrivateAddress(address))
  if (blocked !== undefined) throw privateTarget(hostname, blocked)
}

function privateTarget(hostname: string, address: string): WebhookUrlError {
  return new WebhookUrlError(
    `url points at ${hostname === address ? address : `${hostname} (${address})`}, a loopback, link-local or private address; ` +
      'webhooks go to public addresses only (an operator can allow private targets with MIMA_WEBHOOKS_ALLOW_PRIVATE=true).',
  )
}

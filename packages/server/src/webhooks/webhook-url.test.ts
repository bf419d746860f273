import { describe, expect, it } from 'vitest'
import { isPrivateAddress, validateWebhookUrl, WebhookUrlError } from './webhook-url'

describe('isPrivateAddress', () => {
  it('flags loopback, private, link-local and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '[::1]',
      'not-an-ip',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true)
    }
  })

  it('lets public unicast addresses through', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false)
    }
  })
})

describe('validateWebhookUrl', () => {
  const resolveTo =
    (...addresses: string[]) =>
    async (): Promise<string[]> =>
      addresses

  it('accepts a public https URL', async () => {
    const url = await validateWebhookUrl('https://hooks.example.com/mima', {
      allowPrivate: false,
      resolve: resolveTo('93.184.216.34'),
    })
    expect(url.hostname).toBe('hooks.example.com')
  })

  it('refuses other schemes, credentials and private targets', async () => {
    const refused = async (raw: string, addresses: string[] = ['93.184.216.34']): Promise<string> => {
      const error = await validateWebhookUrl(raw, {
        allowPrivate: false,
        resolve: resolveTo(...addresses),
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(WebhookUrlError)
      return (error as Error).message
    }
    expect(await refused('ftp://example.com/x')).toMatch(/http or https/)
    expect(await refused('https://user:pw@example.com/x')).toMatch(/credentials/)
    expect(await refused('not a url')).toMatch(/not a valid/)
    expect(await refused('http://127.0.0.1:8080/hook')).toMatch(/MIMA_WEBHOOKS_ALLOW_PRIVATE/)
    expect(await refused('http://[::ffff:127.0.0.1]/hook')).toMatch(/private/)
    // A public-looking name that resolves (even partly) to a private address is refused too.
    expect(await refused('https://rebind.example.com/', ['93.184.216.34', '10.0.0.5'])).toMatch(/10\.0\.0\.5/)
  })

  it('allows private targets when the operator opted in', async () => {
    const url = await validateWebhookUrl('http://127.0.0.1:9/hook', { allowPrivate: true })
    expect(url.port).toBe('9')
  })
})

import { FEATURES } from '../../src/app'
import { createDashboardFeature } from '../../src/dashboard/dashboard-feature'
import type { OidcOptions } from '../../src/people/oidc'
import { launchTestBrowser, type TestBrowser } from '../browser-kit'
import { type DashboardServer, startDashboardServer } from '../dashboard/dashboard-fixture'
import { type FakeOidcProvider, startFakeOidcProvider } from './fake-oidc-provider'

/**
 * The local fake identity provider, a console server signing in through it (name `Fake IdP`,
 * plain-HTTP requests allowed) with `extra` OIDC options, and headless Chromium.
 */
export async function startOidcConsole(
  extra: Partial<OidcOptions> = {},
): Promise<{ provider: FakeOidcProvider; server: DashboardServer; browser: TestBrowser }> {
  const provider = await startFakeOidcProvider()
  const features = [
    ...FEATURES.filter((feature) => feature.name !== 'dashboard'),
    createDashboardFeature({
      oidc: {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        name: 'Fake IdP',
        allowInsecureRequests: true,
        ...extra,
      },
    }),
  ]
  const [server, browser] = await Promise.all([
    startDashboardServer('pglite', { features }),
    launchTestBrowser(),
  ])
  return { provider, server, browser }
}

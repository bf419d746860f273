import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

let bundle: Promise<string> | undefined

/**
 * `@simplewebauthn/browser`'s own prebuilt bundle (UMD, global `SimpleWebAuthnBrowser`), read
 * once from the installed package and served at `/dashboard/assets/webauthn.js`: no CDN, no
 * inline script, and the version is the one the lockfile pins.
 */
export function webauthnBrowserBundle(): Promise<string> {
  bundle ??= (async () => {
    const require = createRequire(import.meta.url)
    const entry = require.resolve('@simplewebauthn/browser')
    return readFile(join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8')
  })()
  bundle.catch(() => {
    bundle = undefined
  })
  return bundle
}

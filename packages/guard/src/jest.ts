/**
 * Jest setup file: turns the guard on in `block` mode, so any AI call a test makes outside
 * `mima.attest(...)` fails that test with `MimaAttestationError` — OpenAI and Anthropic SDK calls,
 * and `fetch` requests to known AI provider hosts (add yours with `MIMA_GUARD_HOSTS=host=provider`).
 *
 * ```js
 * // jest.config.js
 * module.exports = { setupFiles: ['@mima/guard/jest'] }
 * ```
 *
 * Jest gives each test file its own module registry, so the SDK copies are loaded and patched
 * through Jest's `require` (its CommonJS copies: Jest runs CommonJS). Blocked calls are not
 * written to the guard log; set `MIMA_GUARD_RECORD=1` to record them too.
 * @module
 */
import { enableGuard } from './guard/enable-guard'

enableGuard({
  mode: 'block',
  record: process.env.MIMA_GUARD_RECORD === '1',
  formats: ['commonjs'],
  ...(typeof require === 'function' ? { requireModule: require } : {}),
  // `node:http` is one module shared by every test file's sandbox; `fetch` belongs to each.
  network: { http: false },
})

/**
 * Vitest setup file: turns the guard on in `block` mode, so any OpenAI or Anthropic call a test
 * makes outside `mima.attest(...)` fails that test with `MimaAttestationError`.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { setupFiles: ['@mima/guard/vitest'] } })
 * ```
 *
 * Blocked calls are not written to the guard log (tests see them as failures already); set
 * `MIMA_GUARD_RECORD=1` to record them too.
 * @module
 */
import { enableGuard } from './guard/enable-guard'

enableGuard({ mode: 'block', record: process.env.MIMA_GUARD_RECORD === '1' })

/**
 * Start-up entry: `node --import @mima/guard/register app.js` (or `--require` for CommonJS apps)
 * turns the guard on before the app's own code runs. Configure it with environment variables:
 * `MIMA_GUARD_MODE` (`warn` | `block` | `report`, default `warn`), `MIMA_GUARD_WARN`
 * (`oncePerSite` | `everyCall`), `MIMA_GUARD_LOG` (the JSONL log path), `MIMA_GUARD_HOSTS` (more AI
 * provider hosts for the network guard: `host=provider,…`), `MIMA_GUARD_NETWORK=0` (network guard off).
 * @module
 */
import { enableGuard } from './guard/enable-guard'
import type { GuardMode, GuardWarnFrequency } from './guard/guard-options'

const mode = process.env.MIMA_GUARD_MODE as GuardMode | undefined
const warn = process.env.MIMA_GUARD_WARN as GuardWarnFrequency | undefined
const logPath = process.env.MIMA_GUARD_LOG

enableGuard({
  ...(mode ? { mode } : {}),
  ...(warn ? { warn } : {}),
  ...(logPath ? { logPath } : {}),
})

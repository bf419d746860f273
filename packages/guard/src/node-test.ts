/**
 * `node --test` entry: `node --test --import @mima/guard/node-test` turns the guard on in `block`
 * mode in every test process, so any AI call a test makes outside `mima.attest(...)` fails that
 * test with `MimaAttestationError` — SDK calls and requests to known AI provider hosts (add yours
 * with `MIMA_GUARD_HOSTS=host=provider`). Blocked calls are not written to the guard log; set
 * `MIMA_GUARD_RECORD=1` to record them too.
 * @module
 */
import { enableGuard } from './guard/enable-guard'

enableGuard({ mode: 'block', record: process.env.MIMA_GUARD_RECORD === '1' })

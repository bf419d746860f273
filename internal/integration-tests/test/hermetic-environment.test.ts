import { existsSync, realpathSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMima } from '@mima/core'
import { describe, expect, it } from 'vitest'

// vitest.shared.ts gives every test process its own HOME and drops the developer's MIMA_*
// connection variables, so a `mima login` on this machine can never reach a test.
describe('every test process is hermetic', () => {
  it('runs with a temporary HOME of its own, not the user’s', () => {
    const home = realpathSync(homedir())
    expect(home.startsWith(realpathSync(tmpdir()))).toBe(true)
    expect(home).toBe(realpathSync(process.env.MIMA_HERMETIC_HOME ?? ''))
    expect(existsSync(join(home, '.mima', 'config.json'))).toBe(false)
  })

  it('sees no MIMA_* connection variables, so clients use only what the test gives them', () => {
    const leaked = Object.keys(process.env).filter(
      (name) =>
        name.startsWith('MIMA_') &&
        !['MIMA_TEST_DATABASE_URL', 'MIMA_CHROMIUM_PATH', 'MIMA_HERMETIC_HOME'].includes(name),
    )
    expect(leaked).toEqual([])
    expect(() => createMima({ systemName: 'hermetic' })).toThrow(/needs an API key/)
  })
})

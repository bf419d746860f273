import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createPolicyEngine } from '../precheck/create-policy-engine'
import type { CompiledPolicy } from './compile-policy'
import { loadPolicyFile } from './load-policy-file'
import { PolicyValidationError } from './validate-policy'

const directory = mkdtempSync(join(tmpdir(), 'mima-policy-file-'))
afterEach(() => rmSync(join(directory, 'policy.yaml'), { force: true }))

describe('loadPolicyFile', () => {
  it('refuses a bad file on first load with its path and line', async () => {
    const path = join(directory, 'policy.yaml')
    writeFileSync(path, 'version: 1\non_error: maybe\n')
    const failure = loadPolicyFile(path)
    await expect(failure).rejects.toBeInstanceOf(PolicyValidationError)
    await expect(failure).rejects.toThrow(`${path}:2:11 on_error: must be one of block, pass, best_effort`)
  })

  it('hot-reloads a valid change into the engine and keeps the old policy when a change is refused', async () => {
    const path = join(directory, 'policy.yaml')
    writeFileSync(path, 'version: 1\ndeny_tools: [a.one]\n')
    const engine = createPolicyEngine()
    const reloads: CompiledPolicy[] = []
    const errors: unknown[] = []
    let notify: () => void = () => {}
    const next = () => new Promise<void>((resolve) => (notify = resolve))
    const file = await loadPolicyFile(path, {
      engine,
      watch: { intervalMs: 20 },
      onReload: (policy) => {
        reloads.push(policy)
        notify()
      },
      onError: (error) => {
        errors.push(error)
        notify()
      },
    })
    try {
      expect(engine.evaluate({ tool: 'a.one' }).decision).toBe('deny')
      let changed = next()
      writeFileSync(path, 'version: 2\ndeny_tools: [a.two]\n')
      await changed
      expect(file.policy.version).toBe('2')
      expect(engine.evaluate({ tool: 'a.one' }).decision).toBe('allow')
      expect(engine.evaluate({ tool: 'a.two' }).decision).toBe('deny')
      changed = next()
      writeFileSync(path, 'version: 3\ndeny_tools: a.three\n')
      await changed
      expect(errors[0]).toBeInstanceOf(PolicyValidationError)
      expect(String(errors[0])).toContain(`${path}:2:13 deny_tools: must be a list`)
      expect(engine.policy.version).toBe('2')
      expect(reloads.map((policy) => policy.version)).toEqual(['2'])
    } finally {
      file.close()
    }
  })
})

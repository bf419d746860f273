import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPolicyEngine } from '../precheck/create-policy-engine'
import type { CompiledPolicy } from './compile-policy'
import { loadPolicyFile } from './load-policy-file'
import { PolicyValidationError } from './validate-policy'

const directory = mkdtempSync(join(tmpdir(), 'mima-policy-file-'))
afterEach(() => rmSync(join(directory, 'policy.yaml'), { force: true }))

/** Replaces a file whole, as editors save: a poll never sees it half written. */
function replaceFile(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content)
  renameSync(`${path}.tmp`, path)
}

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
    const file = await loadPolicyFile(path, {
      engine,
      watch: { intervalMs: 20 },
      onReload: (policy) => reloads.push(policy),
      onError: (error) => errors.push(error),
    })
    // Deadlines for a busy machine; the poll runs every 20 ms.
    const eventually = { timeout: 30_000, interval: 20 }
    try {
      expect(engine.evaluate({ tool: 'a.one' }).decision).toBe('deny')
      replaceFile(path, 'version: 2\ndeny_tools: [a.two]\n')
      await vi.waitFor(() => expect([file.policy.version, errors.map(String)]).toEqual(['2', []]), eventually)
      expect(engine.evaluate({ tool: 'a.one' }).decision).toBe('allow')
      expect(engine.evaluate({ tool: 'a.two' }).decision).toBe('deny')
      replaceFile(path, 'version: 3\ndeny_tools: a.three\n')
      await vi.waitFor(() => expect(errors).toHaveLength(1), eventually)
      expect(errors[0]).toBeInstanceOf(PolicyValidationError)
      expect(String(errors[0])).toContain(`${path}:2:13 deny_tools: must be a list`)
      expect(engine.policy.version).toBe('2')
      expect(reloads.map((policy) => policy.version)).toEqual(['2'])
    } finally {
      file.close()
    }
  })
})

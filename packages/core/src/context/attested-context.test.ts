import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { getAttestedContext, isAttested, runAttested } from './attested-context'

describe('attested context', () => {
  it('is active inside runAttested only', async () => {
    expect(isAttested()).toBe(false)
    await runAttested({ toolName: 'summarise' }, async () => {
      await sleep(1)
      expect(isAttested()).toBe(true)
      expect(getAttestedContext()?.toolName).toBe('summarise')
    })
    expect(isAttested()).toBe(false)
  })

  it('never leaks between 1,000 concurrent tasks', async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, index) => {
        const attested = index % 2 === 0
        const check = async (): Promise<boolean> => {
          await sleep(Math.random() * 5)
          const context = getAttestedContext()
          return attested ? context?.toolName === `tool-${index}` : context === undefined
        }
        return attested ? runAttested({ toolName: `tool-${index}` }, check) : check()
      }),
    )
    expect(results.every(Boolean)).toBe(true)
  })

  it('is shared through a registered global, so another copy of core sees it', async () => {
    const store = (globalThis as unknown as Record<symbol, { storage: { getStore(): unknown } }>)[
      Symbol.for('mima.attested-context')
    ]
    expect(store).toBeDefined()
    await runAttested({ toolName: 'x' }, async () => {
      expect(store?.storage.getStore()).toEqual({ toolName: 'x' })
    })
  })
})

import ts from 'typescript'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { hashValue } from '../hashing/sha256'
import { createTestMima } from '../testing'
import type { AttestOptions } from './types'

describe('attest typing and decorator syntax', () => {
  it('infers parameters and return types, sync and async', () => {
    const { mima } = createTestMima()
    const sync = mima.attest('sync', (a: number, b: string) => `${a}${b}`)
    expectTypeOf(sync).parameters.toEqualTypeOf<[number, string]>()
    expectTypeOf(sync).returns.toEqualTypeOf<string>()
    const async = mima.attest(
      { toolName: 'async', hashOutput: (value: { id: number }) => value.id },
      async (id: number) => ({ id }),
    )
    expectTypeOf(async).returns.toEqualTypeOf<Promise<{ id: number }>>()
    // With an approval token every call is redeemed first: always a promise.
    const gated = mima.attest({ toolName: 'gated', approvalToken: 'tok' }, (a: number) => a * 2)
    expectTypeOf(gated).returns.toEqualTypeOf<Promise<number>>()
    // Options built elsewhere may or may not hold a token: either shape.
    const options: AttestOptions<[number], number> = { toolName: 'maybe' }
    const either = mima.attest(options, (a: number) => a)
    expectTypeOf(either).returns.toEqualTypeOf<number | Promise<number>>()
    // @ts-expect-error: wrong argument type
    sync('1', 'x')
    expect(sync(1, 'x')).toBe('1x')
  })

  it('works as a TC39 method decorator (compiled by TypeScript itself)', async () => {
    const { mima, recorder } = createTestMima()
    // Vitest's transformer cannot lower standard decorators yet; TypeScript can, exactly as a user's build would.
    const source = `
      exports.make = (mima: any) => {
        class Agent {
          constructor(readonly name: string) {}
          @mima.attest({ toolName: 'greet' })
          async greet(to: string): Promise<string> {
            return this.name + ' greets ' + to
          }
        }
        return Agent
      }`
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        experimentalDecorators: false,
      },
    })
    expect(outputText).toContain('__esDecorate')
    const exports: {
      make?: (client: unknown) => new (name: string) => { greet(to: string): Promise<string> }
    } = {}
    new Function('exports', outputText)(exports)
    const Agent = exports.make?.(mima)
    expect(await new Agent!('ada').greet('bob')).toBe('ada greets bob')
    await mima.flush()
    expect(recorder.attestationsFor('greet')).toEqual([
      expect.objectContaining({
        tool_name: 'greet',
        input_hash: hashValue(['bob']),
        output_hash: hashValue('ada greets bob'),
      }),
    ])
  })
})

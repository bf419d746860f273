import { expect, it } from 'vitest'
import { lineDiff } from './policy-diff'

it('diffs two policy versions line by line', () => {
  const before = 'version: 1\ndeny_tools: [shell.exec]\non_error: block\n'
  const after = 'version: 1\ndeny_tools: [shell.exec, bash.exec]\non_error: block\nmodel: gpt-4o\n'
  expect(lineDiff(before, after)).toEqual([
    { kind: 'same', text: 'version: 1' },
    { kind: 'removed', text: 'deny_tools: [shell.exec]' },
    { kind: 'added', text: 'deny_tools: [shell.exec, bash.exec]' },
    { kind: 'same', text: 'on_error: block' },
    { kind: 'added', text: 'model: gpt-4o' },
  ])
  expect(lineDiff(before, before).every((line) => line.kind === 'same')).toBe(true)
})

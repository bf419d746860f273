import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { completeLogLines, createJsonlLog, rotatedLogPath } from './jsonl-log'

let directory: string
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-guard-log-'))
})
afterEach(() => rmSync(directory, { recursive: true, force: true }))

const line = (index: number): string => JSON.stringify({ index, pad: 'x'.repeat(80) })

it('rotates at the size limit and keeps three backups', async () => {
  const path = join(directory, 'nested', 'guard_log.jsonl')
  const log = createJsonlLog({ path, maxBytes: 1000, backups: 3 })
  // each batch of 10 lines is ~1 KB, so every batch after the first rotates
  for (let batch = 0; batch < 6; batch++) {
    await log.append(Array.from({ length: 10 }, (_, index) => line(batch * 10 + index)))
  }
  const read = (file: string): number[] =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { index: number }).index)
  expect(read(path)[0]).toBe(50)
  expect(read(rotatedLogPath(path, 1))[0]).toBe(40)
  expect(read(rotatedLogPath(path, 2))[0]).toBe(30)
  expect(read(rotatedLogPath(path, 3))[0]).toBe(20)
  expect(existsSync(rotatedLogPath(path, 4))).toBe(false)
  expect(rotatedLogPath(path, 1)).toBe(join(directory, 'nested', 'guard_log.1.jsonl'))
  expect(statSync(path).mode & 0o777).toBe(0o600)
  expect(statSync(join(directory, 'nested')).mode & 0o777).toBe(0o700)
})

it('serialises concurrent appends without losing or interleaving lines', async () => {
  const path = join(directory, 'guard_log.jsonl')
  const log = createJsonlLog({ path })
  await Promise.all(Array.from({ length: 50 }, (_, index) => log.append([line(index), line(index + 100)])))
  const lines = readFileSync(path, 'utf8').trim().split('\n')
  expect(lines).toHaveLength(100)
  for (const text of lines) expect(() => JSON.parse(text)).not.toThrow()
})

it('reads only the finished lines of a log that is being written', () => {
  expect(completeLogLines('')).toEqual([])
  expect(completeLogLines('{"a":1')).toEqual([])
  expect(completeLogLines('{"a":1}\n\n{"b":2}\n{"c":')).toEqual(['{"a":1}', '{"b":2}'])
})

import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AttestationPayload } from '../attestation/attestation-payload'
import { createOutbox, type Outbox } from './outbox'

let directory: string
const losses: string[] = []

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'mima-outbox-'))
  losses.length = 0
})
afterEach(() => rmSync(directory, { recursive: true, force: true }))

function record(index: number): AttestationPayload {
  return {
    system_name: 's',
    agent_name: 's',
    tool_name: `t${index}`,
    input_hash: '',
    output_hash: '',
    schema_version: 2,
    idempotency_key: `key-${index}`,
  }
}

function open(maxMemoryRecords = 3, name = 'svc'): Outbox {
  return createOutbox({
    name,
    directory,
    maxMemoryRecords,
    onLoss: (count, reason) => losses.push(`${count} ${reason}`),
    onSpillError: (error) => {
      throw error
    },
  })
}

/** Takes everything out in batches of `size`, acknowledging each. */
function drainAll(outbox: Outbox, size = 2): string[] {
  const tools: string[] = []
  for (let batch = outbox.next(size); batch; batch = outbox.next(size)) {
    tools.push(...batch.records.map((entry) => (entry as AttestationPayload).tool_name))
    batch.ack()
  }
  return tools
}

describe('outbox', () => {
  it('keeps order across memory, the spill file, released batches and a batch that was out when spilling began', () => {
    const outbox = open(3)
    for (let index = 0; index < 3; index++) outbox.add(record(index))
    expect(outbox.spillFile).toBe(join(directory, 'svc.jsonl'))
    const first = outbox.next(2)
    expect(first?.records.map((entry) => (entry as AttestationPayload).tool_name)).toEqual(['t0', 't1'])
    expect(outbox.next(2)).toBeUndefined() // one batch out at a time
    for (let index = 3; index < 8; index++) outbox.add(record(index)) // spills, copying the batch that is out
    expect(outbox.memorySize).toBe(0)
    first?.release()
    expect(outbox.size).toBe(8)
    expect(drainAll(outbox)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'])
    expect(outbox.size).toBe(0)
    expect(existsSync(join(directory, 'svc.jsonl'))).toBe(false) // drained files are removed
    outbox.add(record(9)) // back to memory
    expect(outbox.memorySize).toBe(1)
    outbox.close()
  })

  it('survives a restart: unread records and the read position', () => {
    const before = open(2)
    for (let index = 0; index < 6; index++) before.add(record(index))
    const batch = before.next(2)
    batch?.ack() // t0, t1 delivered
    before.close()
    const after = open(2)
    expect(after.size).toBe(4)
    after.add(record(6))
    expect(drainAll(after, 3)).toEqual(['t2', 't3', 't4', 't5', 't6'])
    after.close()
  })

  it('gives two clients of one system their own spill files, and a later client replays both', () => {
    const first = open(1)
    const second = open(1)
    for (let index = 0; index < 3; index++) first.add(record(index))
    for (let index = 10; index < 13; index++) second.add(record(index))
    expect(first.spillFile).not.toBe(second.spillFile)
    first.persist()
    second.persist()
    expect(
      readdirSync(directory)
        .filter((name) => name.endsWith('.jsonl'))
        .sort(),
    ).toEqual(['svc.1.jsonl', 'svc.jsonl'])
    first.close()
    second.close()
    const replay = open(1)
    expect(replay.size).toBe(6)
    expect(drainAll(replay, 4)).toEqual(['t0', 't1', 't2', 't10', 't11', 't12'])
    replay.close()
    expect(readdirSync(directory).filter((name) => name.endsWith('.jsonl'))).toEqual([])
  })

  it('skips and reports a line torn by a crash', () => {
    const before = open(1)
    for (let index = 0; index < 3; index++) before.add(record(index))
    before.close()
    appendFileSync(join(directory, 'svc.jsonl'), '{"tool_name":"torn","sys')
    const after = open(1)
    expect(drainAll(after, 10)).toEqual(['t0', 't1', 't2'])
    expect(losses.join('\n')).toMatch(/incomplete last line/)
    after.close()
  })

  it('without a disk, keeps the newest records and reports each one dropped', () => {
    const outbox = createOutbox({
      name: 'm',
      directory: false,
      maxMemoryRecords: 2,
      onLoss: (count) => losses.push(String(count)),
      onSpillError: () => {},
    })
    for (let index = 0; index < 5; index++) outbox.add(record(index))
    expect(outbox.spillFile).toBeUndefined()
    expect(drainAll(outbox)).toEqual(['t3', 't4'])
    expect(losses).toEqual(['1', '1', '1'])
  })

  it('writes the spill file with owner-only permissions', () => {
    const outbox = open(1)
    outbox.add(record(0))
    outbox.add(record(1))
    outbox.persist()
    const content = readFileSync(join(directory, 'svc.jsonl'), 'utf8')
    expect(
      content
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).tool_name),
    ).toEqual(['t0', 't1'])
    expect(statSync(join(directory, 'svc.jsonl')).mode & 0o777).toBe(0o600)
    outbox.close()
  })
})

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crc32, createZip, readStoredZip, tableCrc32 } from './zip-writer'

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('createZip', () => {
  it('computes the standard CRC-32 with and without zlib.crc32', () => {
    const bytes = Buffer.from('123456789')
    expect(tableCrc32(bytes)).toBe(0xcbf43926)
    expect(crc32(bytes)).toBe(0xcbf43926)
    expect(tableCrc32(new Uint8Array(0))).toBe(0)
  })

  it('round-trips stored entries, UTF-8 names and binary data', () => {
    const binary = Uint8Array.from({ length: 300 }, (_, index) => index % 256)
    const zip = createZip([
      { name: 'a.json', data: '{"ok":true}\n' },
      { name: 'ledger/leaves.jsonl', data: 'é→✓\n' },
      { name: 'bin/data.bin', data: binary },
      { name: 'empty.txt', data: '' },
    ])
    const files = readStoredZip(zip)
    expect([...files.keys()]).toEqual(['a.json', 'ledger/leaves.jsonl', 'bin/data.bin', 'empty.txt'])
    expect(files.get('ledger/leaves.jsonl')?.toString('utf8')).toBe('é→✓\n')
    expect(Buffer.compare(files.get('bin/data.bin') as Buffer, Buffer.from(binary))).toBe(0)
    // A flipped data byte is caught by the CRC.
    const corrupt = Buffer.from(zip)
    const at = 30 + 'a.json'.length
    corrupt[at] = (corrupt[at] ?? 0) ^ 0xff
    expect(() => readStoredZip(corrupt)).toThrow(/CRC-32/)
  })

  it('refuses unsafe and duplicate names', () => {
    expect(() => createZip([{ name: '../x', data: '' }])).toThrow(/unsafe/)
    expect(() => createZip([{ name: '/etc/x', data: '' }])).toThrow(/unsafe/)
    expect(() =>
      createZip([
        { name: 'x', data: '' },
        { name: 'x', data: '' },
      ]),
    ).toThrow(/duplicate/)
  })

  it.runIf(hasUnzip)('is readable by the system unzip, which checks every CRC', () => {
    const directory = mkdtempSync(join(tmpdir(), 'mima-zip-'))
    try {
      const path = join(directory, 'pack.zip')
      writeFileSync(
        path,
        createZip([
          { name: 'dir/hello.txt', data: 'hello\n' },
          { name: 'b.txt', data: 'b' },
        ]),
      )
      const listing = execFileSync('unzip', ['-t', path], { encoding: 'utf8' })
      expect(listing).toMatch(/No errors detected/)
      execFileSync('unzip', ['-q', path, '-d', join(directory, 'out')])
      expect(readFileSync(join(directory, 'out', 'dir', 'hello.txt'), 'utf8')).toBe('hello\n')
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})

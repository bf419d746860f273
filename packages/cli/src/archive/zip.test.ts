import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readZip, writeZip } from './zip'

describe('writeZip / readZip', () => {
  it('round-trips files, including empty and non-ASCII names', () => {
    const entries = [
      { name: 'manifest.json', data: Buffer.from('{"a":1}\n') },
      { name: 'empty.txt', data: Buffer.alloc(0) },
      { name: 'évidence.json', data: Buffer.from('x'.repeat(100_000)) },
    ]
    expect(readZip(writeZip(entries))).toEqual(entries)
  })

  it('detects a corrupted entry', () => {
    const archive = writeZip([{ name: 'a.txt', data: Buffer.from('hello hello hello') }])
    archive[36] = (archive[36] ?? 0) ^ 0xff // inside the deflated data
    expect(() => readZip(archive)).toThrow()
    expect(() => readZip(Buffer.from('not a zip at all, definitely not'))).toThrow(/not a ZIP archive/)
  })

  it('refuses a zip bomb before inflating it, and an entry that expands past its declared size', () => {
    // 64 MB of zeros deflate to about 64 KB; read with a 16 MB allowance.
    const bomb = writeZip([{ name: 'manifest.json', data: Buffer.alloc(64 * 1024 * 1024) }])
    expect(bomb.length).toBeLessThan(200_000)
    expect(() => readZip(bomb, 16 * 1024 * 1024)).toThrow(
      /manifest\.json expands to 67108864 bytes, past the 16777216 bytes/,
    )
    expect(readZip(bomb, 64 * 1024 * 1024)[0]?.data.length).toBe(64 * 1024 * 1024)
    // The same entry declaring 1,000 bytes in its central directory (offset 24 of the header).
    const lying = Buffer.from(bomb)
    const central = lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    lying.writeUInt32LE(1000, central + 24)
    expect(() => readZip(lying)).toThrow(/manifest\.json does not inflate to its declared 1000 bytes/)
    const zip64 = Buffer.from(bomb)
    zip64.writeUInt32LE(0xffffffff, central + 24)
    expect(() => readZip(zip64)).toThrow(/manifest\.json is in ZIP64 form/)
    // Several entries share one allowance.
    const two = writeZip([
      { name: 'a.json', data: Buffer.alloc(10 * 1024 * 1024) },
      { name: 'b.json', data: Buffer.alloc(10 * 1024 * 1024) },
    ])
    expect(() => readZip(two, 16 * 1024 * 1024)).toThrow(/b\.json expands to/)
  })

  it('writes archives that the system unzip reads', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mima-zip-'))
    const path = join(directory, 'pack.zip')
    await writeFile(path, writeZip([{ name: 'README.md', data: Buffer.from('# pack\n') }]))
    let listing: string
    try {
      listing = execFileSync(
        'python3',
        [
          '-c',
          'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print(z.testzip(), z.read("README.md").decode())',
          path,
        ],
        {
          encoding: 'utf8',
        },
      )
    } catch (error) {
      throw new Error(`python3 zipfile could not read the archive: ${String(error)}`)
    }
    expect(listing).toBe('None # pack\n\n')
    expect((await readFile(path)).readUInt32LE(0)).toBe(0x04034b50)
  })
})

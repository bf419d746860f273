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

import * as zlib from 'node:zlib'

/** One file of a ZIP archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated (UTF-8). */
  name: string
  data: Uint8Array | string
}

let table: Uint32Array | undefined

function tableCrc32(bytes: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256)
    for (let index = 0; index < 256; index++) {
      let value = index
      for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1
      table[index] = value >>> 0
    }
  }
  let crc = 0xffffffff
  for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

/** CRC-32 (IEEE 802.3) as ZIP uses it: `zlib.crc32` when Node has it (20.15+), else a table. */
export function crc32(bytes: Uint8Array): number {
  return nativeCrc32 === undefined ? tableCrc32(bytes) : nativeCrc32(bytes) >>> 0
}

/** The CRC-32 computed in JavaScript (exported so tests compare it with the native one). */
export { tableCrc32 }

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107)
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

/**
 * Writes a ZIP archive with every entry STORED (no compression): small, dependency-free and
 * readable by any unzip. Names are flagged UTF-8. Refuses what would need ZIP64 (an archive of
 * 4 GiB or more, or 65 535 entries or more).
 */
export function createZip(entries: readonly ZipEntry[], options: { modified?: Date } = {}): Buffer {
  if (entries.length >= 0xffff) throw new Error('createZip: too many entries (ZIP64 is not supported)')
  const stamp = dosDateTime(options.modified ?? new Date())
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  const seen = new Set<string>()
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
      throw new Error(`createZip: unsafe entry name "${entry.name}"`)
    }
    if (seen.has(entry.name)) throw new Error(`createZip: duplicate entry "${entry.name}"`)
    seen.add(entry.name)
    const name = Buffer.from(entry.name, 'utf8')
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data)
    const checksum = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed: 2.0
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(0, 8) // stored
    local.writeUInt16LE(stamp.time, 10)
    local.writeUInt16LE(stamp.date, 12)
    local.writeUInt32LE(checksum, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(0x0314, 4) // made by: Unix, 2.0
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt16LE(stamp.time, 12)
    central.writeUInt16LE(stamp.date, 14)
    central.writeUInt32LE(checksum, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt16LE(0, 30) // extra
    central.writeUInt16LE(0, 32) // comment
    central.writeUInt16LE(0, 34) // disk
    central.writeUInt16LE(0, 36) // internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external: regular file, rw-r--r--
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, data)
    centrals.push(central, name)
    offset += local.length + name.length + data.length
    if (offset > 0xffffffff) throw new Error('createZip: archive too large (ZIP64 is not supported)')
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(0, 4)
  end.writeUInt16LE(0, 6)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(0, 20)
  return Buffer.concat([...locals, directory, end])
}

/**
 * Reads a ZIP archive of STORED entries (what {@link createZip} writes), checking each CRC-32.
 * Enough for tests and auditors' scripts; not a general unzip.
 */
export function readStoredZip(archive: Uint8Array): Map<string, Buffer> {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)
  const endAt = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (endAt < 0) throw new Error('Not a ZIP archive (no end of central directory).')
  const count = buffer.readUInt16LE(endAt + 10)
  let position = buffer.readUInt32LE(endAt + 16)
  const files = new Map<string, Buffer>()
  for (let index = 0; index < count; index++) {
    if (buffer.readUInt32LE(position) !== 0x02014b50) throw new Error('Corrupt central directory.')
    const method = buffer.readUInt16LE(position + 10)
    const checksum = buffer.readUInt32LE(position + 16)
    const size = buffer.readUInt32LE(position + 20)
    const nameLength = buffer.readUInt16LE(position + 28)
    const extraLength = buffer.readUInt16LE(position + 30)
    const commentLength = buffer.readUInt16LE(position + 32)
    const localAt = buffer.readUInt32LE(position + 42)
    const name = buffer.subarray(position + 46, position + 46 + nameLength).toString('utf8')
    if (method !== 0) throw new Error(`${name}: compressed entries are not supported by this reader.`)
    const dataAt = localAt + 30 + buffer.readUInt16LE(localAt + 26) + buffer.readUInt16LE(localAt + 28)
    const data = buffer.subarray(dataAt, dataAt + size)
    if (crc32(data) !== checksum) throw new Error(`${name}: CRC-32 mismatch.`)
    files.set(name, Buffer.from(data))
    position += 46 + nameLength + extraLength + commentLength
  }
  return files
}

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib'

/** One file of a ZIP archive. */
export interface ZipEntry {
  name: string
  data: Buffer
}

const LOCAL_HEADER = 0x04034b50
const CENTRAL_HEADER = 0x02014b50
const END_OF_DIRECTORY = 0x06054b50
const UTF8_NAMES = 0x0800
const DEFLATE = 8
const STORE = 0

function dosTime(date: Date): { time: number; day: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

/**
 * Writes a ZIP archive (deflated entries, UTF-8 names, no ZIP64: each file and the whole archive
 * stay under 4 GiB). Any unzip tool opens it; `readZip` reads it back.
 */
export function writeZip(entries: readonly ZipEntry[], modified: Date = new Date()): Buffer {
  const { time, day } = dosTime(modified)
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const compressed = deflateRawSync(entry.data)
    const checksum = crc32(entry.data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(LOCAL_HEADER, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(UTF8_NAMES, 6)
    local.writeUInt16LE(DEFLATE, 8)
    local.writeUInt16LE(time, 10)
    local.writeUInt16LE(day, 12)
    local.writeUInt32LE(checksum, 14)
    local.writeUInt32LE(compressed.length, 18)
    local.writeUInt32LE(entry.data.length, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(CENTRAL_HEADER, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(UTF8_NAMES, 8)
    central.writeUInt16LE(DEFLATE, 10)
    central.writeUInt16LE(time, 12)
    central.writeUInt16LE(day, 14)
    central.writeUInt32LE(checksum, 16)
    central.writeUInt32LE(compressed.length, 20)
    central.writeUInt32LE(entry.data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, compressed)
    centrals.push(central, name)
    offset += local.length + name.length + compressed.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(END_OF_DIRECTORY, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

/**
 * The most an archive may expand to when read (all entries together). An audit pack of a million
 * records is a few hundred MB; a "zip bomb" of a few MB that expands to many GB is refused before
 * anything is inflated.
 */
export const MAX_UNCOMPRESSED_BYTES: number = 2 * 1024 ** 3

/**
 * Reads every file of a ZIP archive (stored or deflated entries); throws on a damaged archive, and
 * on one whose entries would expand past `maxUncompressedBytes` or past their declared sizes.
 */
export function readZip(archive: Buffer, maxUncompressedBytes: number = MAX_UNCOMPRESSED_BYTES): ZipEntry[] {
  let budget = maxUncompressedBytes
  let end = -1
  for (let index = archive.length - 22; index >= Math.max(0, archive.length - 22 - 65_535); index--) {
    if (archive.readUInt32LE(index) === END_OF_DIRECTORY) {
      end = index
      break
    }
  }
  if (end === -1) throw new Error('not a ZIP archive (no end-of-directory record)')
  const count = archive.readUInt16LE(end + 10)
  let cursor = archive.readUInt32LE(end + 16)
  const entries: ZipEntry[] = []
  for (let index = 0; index < count; index++) {
    if (archive.readUInt32LE(cursor) !== CENTRAL_HEADER) throw new Error('damaged ZIP central directory')
    const method = archive.readUInt16LE(cursor + 10)
    const checksum = archive.readUInt32LE(cursor + 16)
    const compressedSize = archive.readUInt32LE(cursor + 20)
    const size = archive.readUInt32LE(cursor + 24)
    const nameLength = archive.readUInt16LE(cursor + 28)
    const extraLength = archive.readUInt16LE(cursor + 30)
    const commentLength = archive.readUInt16LE(cursor + 32)
    const localOffset = archive.readUInt32LE(cursor + 42)
    const name = archive.toString('utf8', cursor + 46, cursor + 46 + nameLength)
    cursor += 46 + nameLength + extraLength + commentLength
    if (archive.readUInt32LE(localOffset) !== LOCAL_HEADER) throw new Error(`damaged ZIP entry ${name}`)
    const dataStart =
      localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28)
    if (size === 0xffffffff || compressedSize === 0xffffffff)
      throw new Error(
        `ZIP entry ${name} is in ZIP64 form, which this reader does not take (audit packs never use it)`,
      )
    if (size > budget) {
      throw new Error(
        `ZIP entry ${name} expands to ${size} bytes, past the ${maxUncompressedBytes} bytes an archive may hold here`,
      )
    }
    const raw = archive.subarray(dataStart, dataStart + compressedSize)
    let data: Buffer
    if (method === STORE) data = Buffer.from(raw)
    else if (method === DEFLATE) {
      try {
        // Never past the declared size: an entry that lies about its size stops there.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) })
      } catch (error) {
        // Past the declared size; any other inflate error (damaged data) is reported as it is.
        if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw error
        throw new Error(`ZIP entry ${name} does not inflate to its declared ${size} bytes`, { cause: error })
      }
    } else throw new Error(`ZIP entry ${name} uses unsupported compression method ${method}`)
    if (data.length !== size)
      throw new Error(`ZIP entry ${name} does not inflate to its declared ${size} bytes`)
    budget -= size
    if (crc32(data) !== checksum) throw new Error(`ZIP entry ${name} is corrupt (CRC mismatch)`)
    entries.push({ name, data })
  }
  return entries
}

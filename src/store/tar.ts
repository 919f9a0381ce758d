import { Corrupted } from '../errors.js'

/**
 * A strict reader and writer of flat POSIX ustar archives, just enough for model archives. Written here
 * because archive readers commonly "sanitise" hostile names (turning `../x` into `x`) and skip header
 * checksums; a model store must refuse such archives instead, and say why.
 */
export interface TarEntry {
  readonly name: string
  readonly data: Uint8Array
}

const BLOCK = 512
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function writeOctal(header: Uint8Array, offset: number, width: number, value: number): void {
  header.set(encoder.encode(value.toString(8).padStart(width - 1, '0') + '\0'), offset)
}

function checksum(header: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!
  return sum
}

/** Packs regular files with fixed owner, mode and `mtime` (seconds), so equal inputs give equal bytes. */
export function packTar(entries: readonly TarEntry[], mtime: number): Uint8Array {
  const size = entries.reduce((n, e) => n + BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK, 2 * BLOCK)
  const out = new Uint8Array(size)
  let offset = 0
  for (const { name, data } of entries) {
    const header = out.subarray(offset, offset + BLOCK)
    const nameBytes = encoder.encode(name)
    if (nameBytes.length > 100) throw new RangeError(`tar entry name longer than 100 bytes: ${name}`)
    header.set(nameBytes, 0)
    writeOctal(header, 100, 8, 0o644)
    writeOctal(header, 108, 8, 0)
    writeOctal(header, 116, 8, 0)
    writeOctal(header, 124, 12, data.length)
    writeOctal(header, 136, 12, Math.floor(mtime))
    header[156] = 0x30 // '0': a regular file
    header.set(encoder.encode('ustar\u000000'), 257)
    header.set(encoder.encode(checksum(header).toString(8).padStart(6, '0') + '\0 '), 148)
    out.set(data, offset + BLOCK)
    offset += BLOCK + Math.ceil(data.length / BLOCK) * BLOCK
  }
  return out
}

const text = (bytes: Uint8Array): string => {
  const end = bytes.indexOf(0)
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end))
}

const TYPES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a device',
  '4': 'a device',
  '5': 'a folder',
  '6': 'a FIFO',
}

/** Reads every entry with its name exactly as stored; anything but a regular file is refused. */
export function unpackTar(bytes: Uint8Array, refuse: (message: string) => Error): TarEntry[] {
  if (bytes.length < BLOCK)
    throw new Corrupted(`The file is not a tiffin model archive: ${bytes.length} bytes is shorter than one tar header`)
  const entries: TarEntry[] = []
  for (let offset = 0; ;) {
    if (offset + BLOCK > bytes.length)
      throw new Corrupted('The archive ends before its end-of-archive marker (it is truncated)')
    const header = bytes.subarray(offset, offset + BLOCK)
    if (header.every((b) => b === 0)) return entries
    const stored = parseInt(text(header.subarray(148, 156)).trim(), 8)
    if (stored !== checksum(header))
      throw new Corrupted(`The archive is not a readable tar file: bad header checksum at byte ${offset}`)
    const prefix = text(header.subarray(345, 500))
    const name = (prefix ? `${prefix}/` : '') + text(header.subarray(0, 100))
    const type = String.fromCharCode(header[156]!)
    if (type !== '0' && type !== '\0')
      throw refuse(
        `The archive holds "${name}", which is ${TYPES[type] ?? `of tar type "${type}"`}; only regular files are allowed`,
      )
    const size = parseInt(text(header.subarray(124, 136)).trim() || '0', 8)
    if (!Number.isSafeInteger(size) || size < 0)
      throw new Corrupted(`The archive is not a readable tar file: bad size for "${name}"`)
    const start = offset + BLOCK
    if (start + size > bytes.length) throw new Corrupted(`The archive ends inside "${name}" (it is truncated)`)
    entries.push({ name, data: bytes.subarray(start, start + size) })
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
}

/**
 * Pure encoding and decoding of the IDX format used by (Fashion-)MNIST:
 * magic `00 00 08 <rank>` (unsigned bytes), then `rank` big-endian uint32 dims, then the data.
 * Only the unsigned-byte element type is supported, which is all MNIST-style files use.
 */
import * as E from 'fp-ts/lib/Either.js'
import { dataError, type DataError } from './errors.js'

/** IDX element type code for unsigned bytes. */
const UBYTE = 0x08

/** A decoded IDX array: its dims and its row-major bytes (length = product of dims). */
export interface IdxArray {
  readonly dims: ReadonlyArray<number>
  readonly data: Uint8Array
}

/** The magic number of a ubyte IDX file of the given rank, e.g. `idxMagic(3) === 0x00000803`. */
export const idxMagic = (rank: number): number => (UBYTE << 8) | rank

/**
 * Decodes an IDX byte buffer, checking magic, rank and exact length.
 * `data` is a view into `bytes` (no copy). Example:
 * `parseIdx(bytes, 'train-labels-idx1-ubyte', 1)` → `Right({ dims: [60000], data })`, or
 * `Left({ _tag: 'BadMagic' | 'Truncated' | 'TrailingBytes', file, ... })`.
 */
export function parseIdx(bytes: Uint8Array, file: string, rank: number): E.Either<DataError, IdxArray> {
  const headerBytes = 4 + 4 * rank
  if (bytes.length < 4) return E.left(dataError.truncated(file, headerBytes, bytes.length))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint32(0, false)
  if (magic !== idxMagic(rank)) return E.left(dataError.badMagic(file, idxMagic(rank), magic))
  if (bytes.length < headerBytes) return E.left(dataError.truncated(file, headerBytes, bytes.length))
  const dims: number[] = []
  let total = 1
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false)
    dims.push(size)
    total *= size
  }
  const expectedBytes = headerBytes + total
  if (bytes.length < expectedBytes) return E.left(dataError.truncated(file, expectedBytes, bytes.length))
  if (bytes.length > expectedBytes) return E.left(dataError.trailingBytes(file, expectedBytes, bytes.length))
  return E.right({ dims, data: bytes.subarray(headerBytes, expectedBytes) })
}

/**
 * Encodes dims and row-major bytes as an IDX buffer (inverse of {@link parseIdx}).
 * Throws RangeError when `data.length` is not the product of `dims` (a caller bug, not bad input).
 * Example: `encodeIdx([2], Uint8Array.of(3, 7))` → bytes `00 00 08 01 00 00 00 02 03 07`.
 */
export function encodeIdx(dims: ReadonlyArray<number>, data: Uint8Array): Uint8Array {
  const total = dims.reduce((a, b) => a * b, 1)
  if (data.length !== total) {
    throw new RangeError(`encodeIdx: dims [${dims.join(', ')}] need ${total} bytes, got ${data.length}`)
  }
  const headerBytes = 4 + 4 * dims.length
  const out = new Uint8Array(headerBytes + total)
  const view = new DataView(out.buffer)
  view.setUint32(0, idxMagic(dims.length), false)
  dims.forEach((size, d) => view.setUint32(4 + 4 * d, size, false))
  out.set(data, headerBytes)
  return out
}

/** Helpers of the model-file tests that build and take apart safetensors bytes independently of the encoder. */
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'

/** A float32 array's bit patterns, so that -0, NaN payloads and subnormals compare exactly. */
export const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))

/** A file laid out by hand as the spec says: u64 LE header length, the header text as is, the data bytes. */
export const fileOf = (header: string, data: ArrayLike<number> = []): Uint8Array => {
  const h = new TextEncoder().encode(header)
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true)
  out.set(h, 8)
  out.set(Array.from(data), 8 + h.length)
  return out
}

/** The header (as plain JSON) and the data bytes of a well-formed file. */
export const splitFile = (bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array; dataStart: number } => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>, data: bytes.subarray(8 + n), dataStart: 8 + n }
}

type Entry = { dtype: string; shape: number[]; data_offsets: number[] }
type Header = Record<string, Entry> & { __metadata__: Record<string, string> }

/** The same file with its header edited by `edit` (the data bytes unchanged). */
export const rewriteHeader = (bytes: Uint8Array, edit: (h: Header) => void): Uint8Array => {
  const { header, data } = splitFile(bytes)
  edit(header as Header)
  const text = JSON.stringify(header)
  return fileOf(text.padEnd(Math.ceil(text.length / 8) * 8, ' '), data)
}

/** A one-line, non-empty message. */
export const expectOneLine = (message: string): void => {
  expect(message.length).toBeGreaterThan(0)
  expect(message).not.toMatch(/[\n\r\u2028\u2029]/)
}

/** The Left of an Either, or a test failure. */
export const leftOf = <L, R>(r: E.Either<L, R>): L => {
  if (E.isRight(r)) throw new Error('expected a Left, got a Right')
  return r.left
}

/** The Right of an Either, or a test failure naming the Left's message. */
export const rightOf = <L extends { message: string }, R>(r: E.Either<L, R>): R => {
  if (E.isLeft(r)) throw new Error(`expected a Right, got: ${r.left.message}`)
  return r.right
}

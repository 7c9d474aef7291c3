/**
 * The safetensors format (https://github.com/huggingface/safetensors), as its reference implementation
 * writes and checks it:
 *
 *     8 bytes   N, the header length: an unsigned 64-bit little-endian integer
 *     N bytes   the header: UTF-8 JSON starting with '{', padded with spaces (0x20) so N % 8 == 0
 *               { "__metadata__": { "<key>": "<string>", ... },            (optional; string values only)
 *                 "<name>": { "dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [begin, end] }, ... }
 *     rest      the byte buffer: every tensor's row-major little-endian bytes
 *
 * `data_offsets` are relative to the start of the byte buffer, `end` exclusive. The tensors tile the buffer
 * exactly: no gaps, no overlaps, nothing after the last one. Names are unique. Empty tensors (a 0 dim) take
 * no bytes; a scalar (shape []) takes one value.
 *
 * The writer lays tensors out in the order given, `__metadata__` first (as the reference writer does). The
 * reader accepts any header order, trailing JSON whitespace and unpadded headers (older writers), refuses
 * everything the reference reader refuses and also duplicate keys and non-integer numbers, and never throws.
 * typegrad stores F32; I32 tensors are read too (as float32 values, exact up to 2^24 in magnitude).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Tensor } from '../../dsl/tensor.js'
import { type FormatError, formatError, quoteName, showShape } from './errors.js'
import { type Json, parseJson, showJson } from './json.js'

/** The element types this module reads. */
export type Dtype = 'F32' | 'I32'

/** One tensor's header entry, with offsets relative to the byte buffer. */
export interface TensorEntry {
  readonly name: string
  readonly dtype: Dtype
  readonly shape: readonly number[]
  readonly begin: number
  readonly end: number
}

/** A decoded file. */
export interface Safetensors {
  /** The tensors by name, as float32. */
  readonly tensors: Record<string, Tensor>
  /** The `__metadata__` map ({} when absent). */
  readonly metadata: Record<string, string>
  /** The header's tensor entries in header order (the names and dtypes as stored). */
  readonly entries: readonly TensorEntry[]
  /** Where the byte buffer starts in the file (8 + N), e.g. to checksum it. */
  readonly dataStart: number
}

/** The reference implementation refuses headers larger than this, so a file beyond it would not be portable. */
export const MAX_HEADER_BYTES = 100_000_000

/** The key the spec reserves for the string metadata. */
export const METADATA_KEY = '__metadata__'

/** The other dtypes of the spec, so a file holding one gets "not supported" rather than "unknown". */
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'F16', 'BF16', 'U32', 'U64', 'I64', 'F64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64'])

const ELEMENT_BYTES = 4 // both F32 and I32

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * The little-endian bytes of a tensor's values, as they appear in a file (a view, no copy, on
 * little-endian hosts). Exported so that a checksum of the byte buffer can be computed before encoding.
 *
 * @example tensorBytes({ shape: [1], data: new Float32Array([1]) }) // Uint8Array [0, 0, 128, 63]
 */
export const tensorBytes = (t: Tensor): Uint8Array => {
  if (littleEndianHost) return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const out = new Uint8Array(t.data.length * 4)
  const view = new DataView(out.buffer)
  t.data.forEach((v, k) => view.setFloat32(k * 4, v, true))
  return out
}

const checkedShape = (name: string, t: Tensor): readonly number[] => {
  for (const d of t.shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      throw new RangeError(`encodeSafetensors: tensor ${quoteName(name)} has shape ${showShape(t.shape)}; dims must be non-negative integers`)
  }
  const n = (t.shape as readonly number[]).reduce((a, d) => a * d, 1)
  if (n !== t.data.length) throw new RangeError(`encodeSafetensors: tensor ${quoteName(name)} holds ${t.data.length} values but shape ${showShape(t.shape)} needs ${n}`)
  return t.shape as readonly number[]
}

/**
 * Encodes tensors (laid out in the given order) and string metadata as a safetensors file.
 * Throws a RangeError on input no file could represent (a duplicate name, the name `__metadata__`, a
 * symbolic or negative dim, data that does not fill its shape): those are bugs in the caller, and
 * {@link saveModelFile} checks them first and returns a Left.
 *
 * @example
 * encodeSafetensorsEntries([['w', { shape: [2], data: new Float32Array([1, -2]) }]], { note: 'x' })
 */
export const encodeSafetensorsEntries = (tensors: readonly (readonly [string, Tensor])[], metadata: Readonly<Record<string, string>> = {}): Uint8Array => {
  const seen = new Set<string>()
  let offset = 0
  const parts: string[] = []
  const metaEntries = Object.entries(metadata)
  if (metaEntries.length > 0) {
    for (const [k, v] of metaEntries) if (typeof v !== 'string') throw new RangeError(`encodeSafetensors: metadata ${quoteName(k)} is not a string`)
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(Object.fromEntries(metaEntries))}`)
  }
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new RangeError(`encodeSafetensors: ${quoteName(METADATA_KEY)} is reserved and cannot name a tensor`)
    if (seen.has(name)) throw new RangeError(`encodeSafetensors: tensor name ${quoteName(name)} appears twice`)
    seen.add(name)
    const shape = checkedShape(name, t)
    const end = offset + t.data.length * ELEMENT_BYTES
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape, data_offsets: [offset, end] })}`)
    offset = end
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`)
  const headerLength = Math.ceil(json.length / 8) * 8
  const out = new Uint8Array(8 + headerLength + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, 8 + headerLength)
  let at = 8 + headerLength
  for (const [, t] of tensors) {
    out.set(tensorBytes(t), at)
    at += t.data.byteLength
  }
  return out
}

/**
 * Encodes named tensors (laid out in the record's key order) and string metadata as a safetensors file;
 * throws on invalid tensors as {@link encodeSafetensorsEntries} does.
 *
 * @example
 * const bytes = encodeSafetensors({ 'fc.bias': { shape: [2], data: new Float32Array([0.5, -1]) } }, { format: 'pt' })
 * // Python: safetensors.numpy.load_file(path)['fc.bias'] -> array([ 0.5, -1. ], dtype=float32)
 */
export const encodeSafetensors = (tensors: Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array =>
  encodeSafetensorsEntries(Object.entries(tensors), metadata)

type Step<A> = E.Either<FormatError, A>
const bad = (message: string): Step<never> => E.left(formatError(message))

const natural = (j: Json): number | undefined =>
  j.kind === 'number' && /^(?:0|[1-9][0-9]*)$/.test(j.raw) && Number.isSafeInteger(Number(j.raw)) ? Number(j.raw) : undefined

const duplicateKey = (entries: readonly (readonly [string, Json])[]): string | undefined => {
  const seen = new Set<string>()
  for (const [k] of entries) {
    if (seen.has(k)) return k
    seen.add(k)
  }
  return undefined
}

const decodeMetadata = (j: Json): Step<Record<string, string>> => {
  if (j.kind === 'null') return E.right({})
  if (j.kind !== 'object') return bad(`${METADATA_KEY} is ${showJson(j)}, not an object of strings`)
  const dup = duplicateKey(j.entries)
  if (dup !== undefined) return bad(`${METADATA_KEY} has the key ${quoteName(dup)} twice`)
  for (const [k, v] of j.entries) if (v.kind !== 'string') return bad(`${METADATA_KEY} ${quoteName(k)} is ${showJson(v)}, not a string`)
  return E.right(Object.fromEntries(j.entries.map(([k, v]) => [k, (v as { value: string }).value])))
}

const decodeEntry = (name: string, j: Json, dataLength: number): Step<TensorEntry> => {
  const at = `tensor ${quoteName(name)}`
  if (j.kind !== 'object') return bad(`${at}: entry is ${showJson(j)}, not an object`)
  const dup = duplicateKey(j.entries)
  if (dup !== undefined) return bad(`${at}: field ${quoteName(dup)} appears twice`)
  const field = (k: string): Json | undefined => j.entries.find(([key]) => key === k)?.[1]
  const dtypeJ = field('dtype')
  const shapeJ = field('shape')
  const offsetsJ = field('data_offsets')
  if (dtypeJ === undefined) return bad(`${at}: no dtype`)
  if (shapeJ === undefined) return bad(`${at}: no shape`)
  if (offsetsJ === undefined) return bad(`${at}: no data_offsets`)
  if (dtypeJ.kind !== 'string') return bad(`${at}: dtype is ${showJson(dtypeJ)}, not a string`)
  const dtype = dtypeJ.value
  if (dtype !== 'F32' && dtype !== 'I32')
    return bad(OTHER_DTYPES.has(dtype) ? `${at}: dtype ${dtype} is not supported (only F32 and I32 are)` : `${at}: unknown dtype ${showJson(dtypeJ)}`)
  const dims = shapeJ.kind === 'array' ? shapeJ.items.map(natural) : undefined
  if (dims === undefined || dims.some((d) => d === undefined)) return bad(`${at}: shape ${showJson(shapeJ)} is not a list of non-negative integers`)
  const shape = dims as number[]
  const offs = offsetsJ.kind === 'array' && offsetsJ.items.length === 2 ? offsetsJ.items.map(natural) : undefined
  if (offs === undefined || offs.some((o) => o === undefined)) return bad(`${at}: data_offsets ${showJson(offsetsJ)} is not a pair of non-negative integers`)
  const [begin, end] = offs as [number, number]
  const range = `data_offsets [${begin}, ${end}]`
  if (end < begin) return bad(`${at}: ${range} end before they begin`)
  if (end > dataLength) return bad(`${at}: ${range} run past the end of the data (${dataLength} bytes)`)
  // Exact while the product stays a safe integer; past that no file's data could hold it anyway.
  const n = shape.reduce((a, d) => a * d, 1)
  const bytes = end - begin
  if (!Number.isSafeInteger(n) || n * ELEMENT_BYTES !== bytes) {
    const unit = dtype === 'F32' ? 'floats' : 'ints'
    const needs = Number.isSafeInteger(n) ? String(n) : 'more than 2^53'
    return bad(
      bytes % ELEMENT_BYTES === 0
        ? `${at}: ${range} hold ${bytes / ELEMENT_BYTES} ${unit} but shape ${showShape(shape)} needs ${needs}`
        : `${at}: ${range} hold ${bytes} bytes, not a whole number of ${dtype} values (shape ${showShape(shape)} needs ${needs})`,
    )
  }
  return E.right({ name, dtype, shape, begin, end })
}

/** The tensors must tile the byte buffer: sorted by offset, each starts where the previous one ended. */
const checkLayout = (entries: readonly TensorEntry[], dataLength: number): Step<void> => {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let expected = 0
  let previous: TensorEntry | undefined
  for (const e of sorted) {
    if (e.begin > expected) return bad(`bytes [${expected}, ${e.begin}) of the data belong to no tensor`)
    if (e.begin < expected && previous !== undefined)
      return bad(
        `tensor ${quoteName(e.name)} (data_offsets [${e.begin}, ${e.end}]) overlaps tensor ${quoteName(previous.name)} (data_offsets [${previous.begin}, ${previous.end}])`,
      )
    expected = e.end
    previous = e
  }
  if (expected < dataLength) return bad(`the last ${dataLength - expected} bytes of the data (from ${expected}) belong to no tensor`)
  return E.right(undefined)
}

const readValues = (bytes: Uint8Array, e: TensorEntry): Float32Array => {
  const n = (e.end - e.begin) / ELEMENT_BYTES
  const src = bytes.subarray(e.begin, e.end)
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength)
  if (e.dtype === 'F32') {
    const out = new Float32Array(n)
    // A copy either way: the source offset need not be 4-aligned, and the result must not alias the file.
    if (littleEndianHost) new Uint8Array(out.buffer).set(src)
    else for (let k = 0; k < n; k++) out[k] = view.getFloat32(k * 4, true)
    return out
  }
  const ints = new Int32Array(n)
  if (littleEndianHost) new Uint8Array(ints.buffer).set(src)
  else for (let k = 0; k < n; k++) ints[k] = view.getInt32(k * 4, true)
  return Float32Array.from(ints)
}

/**
 * Decodes and fully validates a safetensors file. Never throws: every defect is a Left with one line
 * naming it (header length, UTF-8, JSON syntax, duplicate keys, each field of each entry, sizes against
 * shapes, offsets against the data, gaps and overlaps, metadata value types).
 *
 * @example
 * decodeSafetensors(encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } }, {}))
 * // Right({ tensors: { w: { shape: [2], data: Float32Array [1, 2] } }, metadata: {}, entries: [...], dataStart: 64 })
 * decodeSafetensors(bytes.subarray(0, 50)) // Left({ _tag: 'FormatError', message: 'header length 56 runs past the end of the file (42 bytes follow the length field)' })
 */
export const decodeSafetensors = (bytes: Uint8Array): E.Either<FormatError, Safetensors> => {
  if (bytes.length < 8) return bad(`the file is ${bytes.length} bytes long, too short for the 8-byte header length`)
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)
  if (n64 > BigInt(bytes.length - 8)) return bad(`header length ${n64} runs past the end of the file (${bytes.length - 8} bytes follow the length field)`)
  const n = Number(n64)
  if (n > MAX_HEADER_BYTES) return bad(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit of the format`)
  const dataStart = 8 + n
  const dataLength = bytes.length - dataStart
  if (n === 0 || bytes[8] !== 0x7b) return bad(`the header does not start with '{'`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart))
  } catch {
    return bad('the header is not valid UTF-8')
  }
  const parsed = parseJson(text)
  if (E.isLeft(parsed)) return bad(`the header is not valid JSON: ${parsed.left}`)
  const top = parsed.right
  if (top.kind !== 'object') return bad(`the header is ${showJson(top)}, not an object`)
  const dup = duplicateKey(top.entries)
  if (dup !== undefined) return bad(dup === METADATA_KEY ? `the header has ${METADATA_KEY} twice` : `the header names tensor ${quoteName(dup)} twice`)
  let metadata: Record<string, string> = {}
  const entries: TensorEntry[] = []
  for (const [name, j] of top.entries) {
    if (name === METADATA_KEY) {
      const m = decodeMetadata(j)
      if (E.isLeft(m)) return m
      metadata = m.right
    } else {
      const e = decodeEntry(name, j, dataLength)
      if (E.isLeft(e)) return e
      entries.push(e.right)
    }
  }
  const layout = checkLayout(entries, dataLength)
  if (E.isLeft(layout)) return layout
  const data = bytes.subarray(dataStart)
  const tensors = Object.fromEntries(entries.map((e): [string, Tensor] => [e.name, { shape: e.shape, data: readValues(data, e) }]))
  return E.right({ tensors, metadata, entries, dataStart })
}

/**
 * NumPy's .npy format (version 1.0, C order) for the arrays the end-to-end benchmark hands to PyTorch:
 * `encodeNpy` writes what `numpy.load` reads, `decodeNpy` reads it back (the round trip is tested).
 */

/** The element types written: the Fashion-MNIST pixels and labels are bytes. */
export type NpyArray = Uint8Array | Int32Array | Float32Array

const DESCR = { uint8: '|u1', int32: '<i4', float32: '<f4' } as const
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY

const descrOf = (a: NpyArray): string => (a instanceof Uint8Array ? DESCR.uint8 : a instanceof Int32Array ? DESCR.int32 : DESCR.float32)

/**
 * The .npy bytes of `data` with `shape` (row-major). Throws when the shape does not hold data.length values.
 * @example encodeNpy(new Uint8Array([1, 2, 3, 4]), [2, 2]).length // 132 (128-byte header, 4 data bytes)
 */
export const encodeNpy = (data: NpyArray, shape: readonly number[]): Uint8Array => {
  if (shape.reduce((a, d) => a * d, 1) !== data.length) throw new Error(`shape [${shape.join(', ')}] does not hold ${data.length} values`)
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  const dict = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${dims}, }`
  // magic (6) + version (2) + header length (2) + dict, padded with spaces and a newline to a multiple of 64
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64
  const header = dict.padEnd(total - 10 - 1, ' ') + '\n'
  const bytes = new Uint8Array(total + data.byteLength)
  bytes.set(MAGIC, 0)
  bytes[6] = 1
  bytes[7] = 0
  new DataView(bytes.buffer).setUint16(8, header.length, true)
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i)
  // little-endian hosts only (as numpy's '<' descriptors say); every Node target is
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total)
  return bytes
}

/**
 * The array and shape in .npy bytes written by {@link encodeNpy} (or numpy, for these three types, version 1.0).
 * @example decodeNpy(encodeNpy(new Int32Array([7]), [1])) // { data: Int32Array [7], shape: [1] }
 */
export const decodeNpy = (bytes: Uint8Array): { readonly data: NpyArray; readonly shape: readonly number[] } => {
  if (!MAGIC.every((b, i) => bytes[i] === b) || bytes[6] !== 1) throw new Error('not a version 1.0 .npy file')
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(8, true)
  const header = String.fromCharCode(...bytes.subarray(10, 10 + len))
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1]
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1]
  if (descr === undefined || shapeText === undefined || /'fortran_order':\s*True/.test(header)) throw new Error(`unsupported .npy header ${header.trim()}`)
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number)
  const n = shape.reduce((a, d) => a * d, 1)
  const body = bytes.slice(10 + len) // a copy: aligned for the typed array views
  const data =
    descr === DESCR.uint8 ? new Uint8Array(body.buffer, 0, n) : descr === DESCR.int32 ? new Int32Array(body.buffer, 0, n) : descr === DESCR.float32 ? new Float32Array(body.buffer, 0, n) : undefined
  if (data === undefined) throw new Error(`unsupported dtype ${descr}`)
  return { data, shape }
}

/**
 * Batches of grey-level images straight from bytes on the wasm heap: the bytes go up once, each batch is
 * one SIMD gather-and-scale into its float32 tensor (simd/gather-kernel.ts), instead of a JS loop per
 * pixel and a copy of the batch into the heap.
 */
import * as tf from '@tensorflow/tfjs-core'
import { GATHER_BYTES } from './simd/gather-kernel.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/** Bytes held on the heap for {@link gatherScaledRows}: `n` rows of `per` bytes. */
export interface HeapBytes {
  readonly tensor: tf.Tensor
  readonly per: number
  readonly n: number
}

/**
 * `bytes` ([n, per] row-major) on the wasm heap, or undefined off wasm. The caller disposes `tensor`.
 * @example const held = bytesOnHeap(images, 784) // 60000 x 784 bytes, ~47 MB
 */
export function bytesOnHeap(bytes: Uint8Array, per: number): HeapBytes | undefined {
  if (!onWasm() || per <= 0 || bytes.length % per !== 0) return undefined
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4)
  padded.set(bytes)
  return { tensor: tf.tensor1d(new Int32Array(padded.buffer), 'int32'), per, n: bytes.length / per }
}

/**
 * float32 [rows.length, ...shape] = rows `rows` of `held`, each byte / 255 (the same floats as a table of
 * v / 255 rounded to float32). `shape`'s size must be `held.per`; every row index must be in [0, n).
 * @example gatherScaledRows(held, order.subarray(0, 256), [1, 28, 28]) // [256, 1, 28, 28]
 */
export function gatherScaledRows(held: HeapBytes, rows: Int32Array, shape: readonly number[]): tf.Tensor {
  if (shape.reduce((a, d) => a * d, 1) !== held.per) throw new RangeError(`gatherScaledRows: shape [${shape.join(', ')}] does not hold ${held.per} values per row`)
  for (const r of rows) if (!(r >= 0 && r < held.n)) throw new RangeError(`gatherScaledRows: row ${r} outside [0, ${held.n})`)
  return tf.tidy(() => {
    const idx = tf.tensor1d(rows, 'int32')
    const flat = runHeapKernel(GATHER_BYTES, { bytes: held.tensor, idx }, { per: held.per })[0]!
    return tf.reshape(flat, [rows.length, ...shape])
  })
}

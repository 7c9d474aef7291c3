/**
 * Mini-batches as tensors on the active backend, in the order {@link exampleBatches} yields them. On
 * wasm, grey-level images go up to the heap once and each batch is gathered and scaled there by one SIMD
 * kernel (ops/kernels/gather-bytes.ts); elsewhere (and for float or int32 inputs) the host batch is built
 * and copied in.
 */
import * as tf from '@tensorflow/tfjs-core'
import { bytesOnHeap, gatherScaledRows } from '../../ops/kernels/index.js'
import { type BatchOptions, batchCount, epochOrder, exampleBatches } from './batches.js'
import { type Examples, sizeOfShape } from './examples.js'

/** One batch as tensors [size, ...shape] and [size, ...targetShape]; the caller disposes both. */
export interface DeviceBatch {
  readonly x: tf.Tensor
  readonly y: tf.Tensor
  readonly size: number
}

/** Batches that may hold device memory between batches: `dispose` frees it (safe to call twice). */
export interface DeviceBatches extends Iterable<DeviceBatch> {
  dispose(): void
}

/** A host batch as tensors [size, ...shape] and [size, ...targetShape]. */
export const hostBatchTensors = (ex: Examples, b: { readonly x: Float32Array | Int32Array; readonly y: Int32Array | Float32Array; readonly size: number }): [tf.Tensor, tf.Tensor] => [
  tf.tensor(b.x, [b.size, ...ex.shape], b.x instanceof Int32Array ? 'int32' : 'float32'),
  tf.tensor(b.y, [b.size, ...ex.targetShape], ex.targetDtype),
]

/**
 * The batches of `ex` under `opts` (the same examples in the same order as `exampleBatches`) as tensors.
 * @example
 * const list = deviceBatches(train, { batchSize: 256, shuffle: true, seed: 0, epoch: 0 })
 * try { for (const { x, y } of list) { ...; tf.dispose([x, y]) } } finally { list.dispose() }
 */
export function deviceBatches(ex: Examples, opts: BatchOptions): DeviceBatches {
  const held = ex.x instanceof Uint8Array ? bytesOnHeap(ex.x.subarray(0, ex.n * sizeOfShape(ex.shape)), sizeOfShape(ex.shape)) : undefined
  if (held === undefined) {
    const host = exampleBatches(ex, opts)
    return {
      *[Symbol.iterator]() {
        for (const b of host) {
          const [x, y] = hostBatchTensors(ex, b)
          yield { x, y, size: b.size }
        }
      },
      dispose: () => undefined,
    }
  }
  const count = batchCount(ex.n, opts)
  const perY = sizeOfShape(ex.targetShape)
  let disposed = false
  return {
    *[Symbol.iterator]() {
      const order = opts.shuffle ? epochOrder(ex.n, opts.seed ?? 0, opts.epoch ?? 0) : undefined
      for (let b = 0; b < count; b++) {
        const start = b * opts.batchSize
        const size = Math.min(opts.batchSize, ex.n - start)
        const rows = new Int32Array(size)
        const y = ex.targetDtype === 'int32' ? new Int32Array(size * perY) : new Float32Array(size * perY)
        for (let k = 0; k < size; k++) {
          const idx = order === undefined ? start + k : order[start + k]!
          rows[k] = idx
          for (let j = 0; j < perY; j++) y[k * perY + j] = ex.y[idx * perY + j]!
        }
        yield { x: gatherScaledRows(held, rows, ex.shape), y: tf.tensor(y, [size, ...ex.targetShape], ex.targetDtype), size }
      }
    },
    dispose: () => {
      if (!disposed) held.tensor.dispose()
      disposed = true
    },
  }
}

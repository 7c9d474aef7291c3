/**
 * Mini-batches of examples (images as normalized NCHW floats) in a seeded, reproducible order.
 */
import seedrandom from 'seedrandom'
import { type Examples, fromSplit, sizeOfShape } from './examples.js'
import type { Split } from './split.js'

/** Options for {@link batches}. */
export interface BatchOptions {
  /** Examples per batch, a positive integer (d2l's LeNet uses 256). */
  readonly batchSize: number
  /** Visit examples in a seeded random order (training) or in stored order (evaluation). */
  readonly shuffle: boolean
  /** Shuffle seed; the order is a pure function of (seed, epoch), so a resumed run replays it. Default 0. */
  readonly seed?: number | string
  /** Epoch number mixed into the shuffle seed, so each epoch has its own order. Default 0. */
  readonly epoch?: number
  /** Drop the last batch when it is smaller than batchSize (default false: kept, as d2l does). */
  readonly dropLast?: boolean
}

/**
 * One mini-batch. `x` is [size, ...shape] (for images NCHW [size, 1, rows, cols], pixels scaled to [0, 1]
 * by /255); `y` holds the `size` targets (class labels, or float values for regression). Both arrays are
 * freshly allocated for every batch and belong to the caller: the iterator never touches them again, so
 * they may be kept or handed to a tensor constructor without copying.
 */
export interface Batch<Y extends Int32Array | Float32Array = Int32Array, X extends Float32Array | Int32Array = Float32Array> {
  /** Float32Array, or Int32Array for int32 inputs (token ids). */
  readonly x: X
  readonly y: Y
  readonly size: number
}

/** Grey level → [0, 1]; a table lookup is cheaper than a division per pixel. */
const UNIT_SCALE: Float32Array = Float32Array.from({ length: 256 }, (_, v) => v / 255)

/**
 * How many batches {@link batches} yields for `n` examples.
 * Example: `batchCount(60000, { batchSize: 256 })` → 235 (234 full + one of 96); with `dropLast` → 234.
 */
export function batchCount(n: number, opts: Pick<BatchOptions, 'batchSize' | 'dropLast'>): number {
  checkBatchSize(opts.batchSize)
  return opts.dropLast === true ? Math.floor(n / opts.batchSize) : Math.ceil(n / opts.batchSize)
}

/**
 * The permutation of 0..n-1 used for one epoch (Fisher-Yates driven by seedrandom of (seed, epoch)).
 * Example: `epochOrder(5, 42, 0)` → e.g. `Uint32Array [3, 0, 4, 1, 2]`, the same on every call.
 */
export function epochOrder(n: number, seed: number | string, epoch: number): Uint32Array {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  const rng = seedrandom(`typegrad-batches:${seed}:${epoch}`)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}

/**
 * Iterates a split in mini-batches (see {@link Batch} for layout and ownership). The iterable can
 * be iterated again and replays the same order. Throws RangeError for a batchSize that is not a
 * positive integer. Example:
 * ```ts
 * for (const { x, y, size } of batches(train, { batchSize: 256, shuffle: true, seed: 1, epoch })) {
 *   // x: Float32Array(size*1*28*28), y: Int32Array(size)
 * }
 * ```
 */
export function batches(split: Split, opts: BatchOptions): Iterable<Batch> {
  return exampleBatches(fromSplit(split), opts) as Iterable<Batch>
}

/**
 * Iterates examples of any shape in mini-batches, like {@link batches}.
 * @example for (const { x, y, size } of exampleBatches(examples, { batchSize: 32, shuffle: false })) ...
 */
export function exampleBatches(ex: Examples, opts: BatchOptions): Iterable<Batch<Int32Array | Float32Array, Float32Array | Int32Array>> {
  const count = batchCount(ex.n, opts)
  const { batchSize } = opts
  return {
    *[Symbol.iterator]() {
      const order = opts.shuffle ? epochOrder(ex.n, opts.seed ?? 0, opts.epoch ?? 0) : undefined
      for (let b = 0; b < count; b++) {
        const start = b * batchSize
        const size = Math.min(batchSize, ex.n - start)
        yield buildBatch(ex, order, start, size)
      }
    },
  }
}

function buildBatch(ex: Examples, order: Uint32Array | undefined, start: number, size: number): Batch<Int32Array | Float32Array, Float32Array | Int32Array> {
  const per = sizeOfShape(ex.shape)
  const perY = sizeOfShape(ex.targetShape)
  const bytes = ex.x instanceof Uint8Array ? ex.x : undefined
  const x = ex.x instanceof Int32Array ? new Int32Array(size * per) : new Float32Array(size * per)
  const y = ex.targetDtype === 'int32' ? new Int32Array(size * perY) : new Float32Array(size * perY)
  let dst = 0
  for (let k = 0; k < size; k++) {
    const idx = order === undefined ? start + k : order[start + k]!
    let src = idx * per
    const end = src + per
    if (bytes !== undefined) while (src < end) x[dst++] = UNIT_SCALE[bytes[src++]!]!
    else {
      x.set((ex.x as Float32Array | Int32Array).subarray(src, end), dst)
      dst += per
    }
    for (let j = 0; j < perY; j++) y[k * perY + j] = ex.y[idx * perY + j]!
  }
  return { x, y, size }
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`)
  }
}

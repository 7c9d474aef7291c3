/**
 * Examples of any shape, the form `fit`, `evaluate` and `predict` consume: n inputs of one shape (float32,
 * grey-level bytes scaled by 1/255 when batched, or int32 token ids) and their targets (int32 class labels, or float32
 * values of a given shape for regression).
 */
import type { Split } from './split.js'

/** n examples: inputs `x` ([n, ...shape], row-major) and targets `y` ([n, ...targetShape]). */
export interface Examples {
  readonly n: number
  /** One example's input shape, e.g. [1, 28, 28]. */
  readonly shape: readonly number[]
  /** Inputs; bytes (grey levels) are scaled to [0, 1] when batched; an Int32Array holds int32 inputs (token ids). */
  readonly x: Float32Array | Uint8Array | Int32Array
  /** One example's target shape: [] for a class label. */
  readonly targetShape: readonly number[]
  readonly targetDtype: 'int32' | 'float32'
  readonly y: Int32Array | Uint8Array | Float32Array
}

/** The element type of examples' inputs: int32 when they are held as an Int32Array. @example inputDtype(fromSplit(train)) // 'float32' */
export const inputDtype = (e: Pick<Examples, 'x'>): 'float32' | 'int32' => (e.x instanceof Int32Array ? 'int32' : 'float32')

/** Elements of a shape. */
export const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1)

/**
 * An image split as examples [1, rows, cols] with class labels.
 * @example fromSplit(train).shape // [1, 28, 28]
 */
export const fromSplit = (s: Split): Examples => ({
  n: s.n,
  shape: [1, s.rows, s.cols],
  x: s.images,
  targetShape: [],
  targetDtype: 'int32',
  y: s.labels,
})

/**
 * The first `n` examples (views, no copy).
 * @example takeFirst(train, 6000).n // 6000
 */
export const takeFirst = (e: Examples, n: number): Examples => ({
  ...e,
  n,
  x: e.x.subarray(0, n * sizeOfShape(e.shape)),
  y: e.y.subarray(0, n * sizeOfShape(e.targetShape)),
})

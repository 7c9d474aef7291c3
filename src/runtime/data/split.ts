/**
 * A dataset split (train or test) as flat byte arrays, and its validation from decoded IDX arrays.
 */
import * as E from 'fp-ts/lib/Either.js'
import { dataError, type DataError } from './errors.js'
import type { IdxArray } from './idx.js'

/** Number of classes in (Fashion-)MNIST. */
export const NUM_CLASSES = 10

/**
 * One split of an image classification dataset.
 * `images`: n*rows*cols bytes, row-major, image i at offset i*rows*cols (0..255 grey levels).
 * `labels`: n bytes, each in 0..NUM_CLASSES-1.
 * Example: `{ images: Uint8Array(60000*784), labels: Uint8Array(60000), n: 60000, rows: 28, cols: 28 }`.
 */
export interface Split {
  readonly images: Uint8Array
  readonly labels: Uint8Array
  readonly n: number
  readonly rows: number
  readonly cols: number
}

/** Options for {@link splitFromIdx}. */
export interface SplitCheck {
  /** Required [rows, cols] of every image; any size is accepted when omitted. */
  readonly imageDims?: readonly [number, number]
  /** Labels must lie in 0..numClasses-1 (default {@link NUM_CLASSES}). */
  readonly numClasses?: number
}

/**
 * Pairs a decoded images array (rank 3: [n, rows, cols]) with a labels array (rank 1: [n]),
 * checking image dims, matching counts and label range. The split views the given bytes (no copy).
 * Example: `splitFromIdx(imgs, 'a-images', lbls, 'a-labels', { imageDims: [28, 28] })`
 * → `Right(split)` or `Left({ _tag: 'CountMismatch' | 'BadImageDims' | 'LabelOutOfRange', file, ... })`.
 */
export function splitFromIdx(
  images: IdxArray,
  imagesFile: string,
  labels: IdxArray,
  labelsFile: string,
  check: SplitCheck = {},
): E.Either<DataError, Split> {
  const numClasses = check.numClasses ?? NUM_CLASSES
  if (images.dims.length !== 3) {
    // parseIdx guarantees rank via the magic number; this guards hand-built IdxArrays.
    return E.left(dataError.badMagic(imagesFile, 0x0803, 0x0800 | images.dims.length))
  }
  if (labels.dims.length !== 1) {
    return E.left(dataError.badMagic(labelsFile, 0x0801, 0x0800 | labels.dims.length))
  }
  const [n, rows, cols] = images.dims as [number, number, number]
  if (check.imageDims !== undefined && (rows !== check.imageDims[0] || cols !== check.imageDims[1])) {
    return E.left(dataError.badImageDims(imagesFile, check.imageDims, [rows, cols]))
  }
  if (labels.dims[0] !== n) return E.left(dataError.countMismatch(labelsFile, imagesFile, n, labels.dims[0]!))
  const bad = labels.data.findIndex((label) => label >= numClasses)
  if (bad >= 0) return E.left(dataError.labelOutOfRange(labelsFile, bad, labels.data[bad]!, numClasses))
  return E.right({ images: images.data, labels: labels.data, n, rows, cols })
}

/**
 * How many examples of each class a split holds.
 * Example: `classCounts(train)` → `[6000, 6000, ..., 6000]` (length `numClasses`).
 */
export function classCounts(split: Split, numClasses: number = NUM_CLASSES): number[] {
  const counts = new Array<number>(numClasses).fill(0)
  for (const label of split.labels) counts[label] = (counts[label] ?? 0) + 1
  return counts
}

/**
 * A train/test dataset and its loading from a directory of the four standard IDX files.
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { DataError } from './errors.js'
import { IDX_FILE_NAMES, readIdxFromDir } from './idxFiles.js'
import { splitFromIdx, type Split, type SplitCheck } from './split.js'

/** An input record that was left out of the dataset, and why (e.g. `'wrong length 0, expected 784'`). */
export interface SkippedRecord {
  readonly file: string
  readonly index: number
  readonly reason: string
}

/**
 * Train and test splits plus where they came from.
 * `source` is human readable (e.g. `'IDX files in /data'`); `skipped` lists every invalid input
 * record that was dropped while building the data (empty for IDX directories, which are all-or-nothing).
 */
export interface Dataset {
  readonly train: Split
  readonly test: Split
  readonly source: string
  readonly skipped: ReadonlyArray<SkippedRecord>
  /** What happened while loading that a user should see, one line each (e.g. the cache was rebuilt, and why). */
  readonly notes?: ReadonlyArray<string>
}

/**
 * Reads `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte` (each raw or `.gz`) from `dir` and validates them (see {@link splitFromIdx}).
 * Example: `readIdxDataset('/data/fashion', { imageDims: [28, 28] })()` →
 * `Right({ train: { n: 60000, rows: 28, cols: 28, ... }, test: { n: 10000, ... } })`.
 */
export const readIdxDataset = (
  dir: string,
  check: SplitCheck = {},
): TE.TaskEither<DataError, { readonly train: Split; readonly test: Split }> =>
  pipe(
    readSplit(dir, IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, check),
    TE.chain((train) =>
      pipe(
        // The test images must match the train images' size even when the caller fixed none.
        readSplit(dir, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels, {
          ...check,
          imageDims: check.imageDims ?? [train.rows, train.cols],
        }),
        TE.map((test) => ({ train, test })),
      ),
    ),
  )

const readSplit = (
  dir: string,
  imagesName: string,
  labelsName: string,
  check: SplitCheck,
): TE.TaskEither<DataError, Split> =>
  pipe(
    TE.Do,
    TE.bind('images', () => readIdxFromDir(dir, imagesName, 3)),
    TE.bind('labels', () => readIdxFromDir(dir, labelsName, 1)),
    TE.chainEitherK(({ images, labels }) => splitFromIdx(images, images.file, labels, labels.file, check)),
  )

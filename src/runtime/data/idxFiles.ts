/**
 * IDX files on disk: reading (raw or gzip, detected by magic bytes), atomic writing, and the
 * standard (Fashion-)MNIST file names.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { nodeFileOps, tempNameFor } from '../train/atomicFile.js'
import { dataError, type DataError } from './errors.js'
import { encodeIdx, parseIdx, type IdxArray } from './idx.js'

const gunzipAsync = promisify(gunzip)
const gzipAsync = promisify(gzip)

/** The four standard file names (each may also exist with a `.gz` suffix). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const

/** True when the bytes start with the gzip magic `1f 8b`. */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

const isEnoent = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'ENOENT'

/**
 * Reads a whole file; a missing file is `FileNotFound`, any other failure `ReadFailed`.
 * Example: `readBytes('/data/x')()` → `Right(Uint8Array)`.
 */
export const readBytes = (file: string): TE.TaskEither<DataError, Uint8Array> =>
  TE.tryCatch(
    () => readFile(file),
    (e) => (isEnoent(e) ? dataError.fileNotFound(file) : dataError.readFailed(file, e)),
  )

/** Decompresses when the bytes are gzip (by magic bytes, not by file name); otherwise passes them through. */
export const maybeGunzip = (file: string, bytes: Uint8Array): TE.TaskEither<DataError, Uint8Array> =>
  isGzip(bytes)
    ? TE.tryCatch(
        () => gunzipAsync(bytes),
        (e) => dataError.badGzip(file, e),
      )
    : TE.right(bytes)

/**
 * Reads and decodes one IDX file of the given rank (3 for images, 1 for labels), gzip or raw.
 * Example: `readIdxFile('/data/t10k-labels-idx1-ubyte.gz', 1)()` → `Right({ dims: [10000], data })`.
 */
export const readIdxFile = (file: string, rank: number): TE.TaskEither<DataError, IdxArray> =>
  pipe(
    readBytes(file),
    TE.chain((bytes) => maybeGunzip(file, bytes)),
    TE.chainEitherK((bytes) => parseIdx(bytes, file, rank)),
  )

/**
 * Finds `<dir>/<name>` or, failing that, `<dir>/<name>.gz`, and reads it as IDX of the given rank.
 * A file missing in both forms is `FileNotFound` naming the plain path.
 * Example: `readIdxFromDir('/data', IDX_FILE_NAMES.trainLabels, 1)()`.
 */
export const readIdxFromDir = (dir: string, name: string, rank: number): TE.TaskEither<DataError, IdxArray & { file: string }> => {
  const plain = join(dir, name)
  const gz = `${plain}.gz`
  const withFile = (file: string) => (a: IdxArray) => ({ ...a, file })
  return pipe(
    readIdxFile(plain, rank),
    TE.map(withFile(plain)),
    TE.orElse((err) =>
      err._tag === 'FileNotFound' && err.file === plain
        ? pipe(
            readIdxFile(gz, rank),
            TE.map(withFile(gz)),
            TE.mapLeft((gzErr) =>
              gzErr._tag === 'FileNotFound' && gzErr.file === gz ? dataError.fileNotFound(plain, [gz]) : gzErr,
            ),
          )
        : TE.left(err),
    ),
  )
}

/**
 * Writes bytes so that readers never see a partial file: writes `<file>.tmp-<pid>-<random>` in the same
 * directory (created if needed, one level at a time: see `makeDirs`), flushes it to disk, then renames it
 * over `file`. A temp left by a killed process is removed by `removeStaleTempFiles` at the next start.
 * Example: `writeFileAtomic('/cache/manifest.json', bytes)()` → `Right(undefined)`.
 */
export const writeFileAtomic = (file: string, bytes: Uint8Array | string): TE.TaskEither<DataError, void> => {
  const temp = tempNameFor(file)
  return TE.tryCatch(
    async () => {
      await nodeFileOps.mkdirp(dirname(file))
      try {
        await nodeFileOps.writeDurable(temp, bytes)
        await nodeFileOps.rename(temp, file)
      } catch (e) {
        await nodeFileOps.remove(temp).catch(() => undefined)
        throw e
      }
    },
    (e) => dataError.writeFailed(file, e),
  )
}

/**
 * Encodes and atomically writes an IDX file, gzip-compressed when `gzip` is true
 * (the caller picks the name; by convention add `.gz`).
 * Example: `writeIdxFile('/tmp/l-idx1-ubyte.gz', [3], Uint8Array.of(1, 2, 3), { gzip: true })()`.
 */
export const writeIdxFile = (
  file: string,
  dims: ReadonlyArray<number>,
  data: Uint8Array,
  opts: { readonly gzip?: boolean } = {},
): TE.TaskEither<DataError, void> =>
  pipe(
    TE.fromEither(E.tryCatch(() => encodeIdx(dims, data), (e) => dataError.writeFailed(file, e))),
    TE.chain((raw) =>
      opts.gzip === true
        ? TE.tryCatch(
            () => gzipAsync(raw),
            (e) => dataError.writeFailed(file, e),
          )
        : TE.right(raw),
    ),
    TE.chain((bytes) => writeFileAtomic(file, bytes)),
  )

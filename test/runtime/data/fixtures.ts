/** Small synthetic datasets and temp directories for the data-layer tests. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { DataError } from '../../../src/runtime/data/errors.js'
import { IDX_FILE_NAMES, writeIdxFile } from '../../../src/runtime/data/idxFiles.js'
import type { Split } from '../../../src/runtime/data/split.js'

/** A split whose pixel p of image i is (i * 31 + p * 7) % 256 and whose label i is i % 10. */
export function syntheticSplit(n: number, rows = 28, cols = 28): Split {
  const pixels = rows * cols
  const images = new Uint8Array(n * pixels)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = (i * 31 + p * 7) % 256
  }
  return { images, labels, n, rows, cols }
}

/** Writes the four standard IDX files of `train`/`test` into `dir`, optionally gzipped with `.gz` names. */
export async function writeIdxDir(dir: string, train: Split, test: Split, gzip = false): Promise<void> {
  const suffix = gzip ? '.gz' : ''
  const put = (name: string, dims: number[], data: Uint8Array) =>
    expectRight(writeIdxFile(join(dir, name + suffix), dims, data, { gzip }))
  await put(IDX_FILE_NAMES.trainImages, [train.n, train.rows, train.cols], train.images)
  await put(IDX_FILE_NAMES.trainLabels, [train.n], train.labels)
  await put(IDX_FILE_NAMES.testImages, [test.n, test.rows, test.cols], test.images)
  await put(IDX_FILE_NAMES.testLabels, [test.n], test.labels)
}

/** Runs a TaskEither and returns its Right value, failing the test with the error message otherwise. */
export async function expectRight<A>(task: TE.TaskEither<DataError, A>): Promise<A> {
  const result = await task()
  if (E.isLeft(result)) throw new Error(`expected Right, got ${result.left._tag}: ${result.left.message}`)
  return result.right
}

/** Runs a TaskEither and returns its Left error, failing the test if it succeeded. */
export async function expectLeft<A>(task: TE.TaskEither<DataError, A>): Promise<DataError> {
  const result = await task()
  if (E.isRight(result)) throw new Error('expected Left, got Right')
  return result.left
}

/** A fresh directory under os.tmpdir() and a function that removes it. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `typegrad-${prefix}-`))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

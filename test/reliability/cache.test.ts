/**
 * The Fashion-MNIST cache under damage: every corruption (a flipped pixel, labels shifted by one, a truncated
 * or deleted IDX file, a deleted or edited manifest, an older format) is detected, the cache is rebuilt with a
 * note saying why, and the rebuilt data equals the original. Also: stale temp files of a killed writer are
 * removed at the next load (and live writers' are kept), and a cache directory under /proc fails at once with a
 * clear error instead of hanging Node 20's recursive mkdir.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CACHE_FORMAT, loadFromCache } from '../../src/runtime/data/cache.js'
import type { Dataset } from '../../src/runtime/data/dataset.js'
import { IDX_FILE_NAMES } from '../../src/runtime/data/idxFiles.js'
import { fashionMnist } from '../../src/runtime/data/sources.js'
import { TEMP_MARK, removeStaleTemps, tempWriterPid } from '../../src/runtime/train/atomicFile.js'
import { expectRight, tempDir } from '../runtime/data/fixtures.js'

let dir: string
let cleanup: () => Promise<void>
let source: string
let cacheDir: string
beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir('reliability-cache'))
  source = join(dir, 'src')
  cacheDir = join(dir, 'cache')
  await mkdir(source, { recursive: true })
  for (let label = 0; label < 10; label++) {
    const data = Array.from({ length: 4 }, (_, k) => Array.from({ length: 784 }, (_, p) => (label * 13 + k * p) % 256))
    await writeFile(join(source, `${label}.json`), JSON.stringify({ data }))
  }
})
afterEach(() => cleanup())

const opts = () => ({ jsonSourceDir: source, trainPerClass: 3, testPerClass: 1 })
const load = () => expectRight(loadFromCache(cacheDir, opts()))
const same = (a: Dataset, b: Dataset) => {
  for (const k of ['train', 'test'] as const) {
    expect(Buffer.compare(Buffer.from(a[k].images), Buffer.from(b[k].images))).toBe(0)
    expect(Buffer.compare(Buffer.from(a[k].labels), Buffer.from(b[k].labels))).toBe(0)
    expect([a[k].n, a[k].rows, a[k].cols]).toEqual([b[k].n, b[k].rows, b[k].cols])
  }
  expect(a.skipped).toEqual(b.skipped)
  expect(a.source).toBe(b.source)
}
const idx = (name: string) => join(cacheDir, name)
const IDX_HEADER = { images: 16, labels: 8 }

describe('a damaged cache is rebuilt with a note, to the same data', () => {
  const damages: [string, () => Promise<void>, (c: string) => string][] = [
    [
      'one pixel flipped',
      async () => {
        const b = await readFile(idx(IDX_FILE_NAMES.trainImages))
        b[IDX_HEADER.images + 500]! ^= 0x01
        await writeFile(idx(IDX_FILE_NAMES.trainImages), b)
      },
      (c) => `cache invalid: ${join(c, IDX_FILE_NAMES.trainImages)}: checksum mismatch: the file was changed or damaged`,
    ],
    [
      'labels shifted by one',
      async () => {
        const b = await readFile(idx(IDX_FILE_NAMES.trainLabels))
        const labels = b.subarray(IDX_HEADER.labels)
        labels.set(Uint8Array.from([...labels.subarray(1), labels[0]!]))
        await writeFile(idx(IDX_FILE_NAMES.trainLabels), b)
      },
      (c) => `cache invalid: ${join(c, IDX_FILE_NAMES.trainLabels)}: checksum mismatch: the file was changed or damaged`,
    ],
    [
      'test images truncated',
      () => truncate(idx(IDX_FILE_NAMES.testImages), 100),
      (c) => `cache invalid: ${join(c, IDX_FILE_NAMES.testImages)}: has 100 bytes, the manifest records 7856`,
    ],
    ['test labels deleted', () => rm(idx(IDX_FILE_NAMES.testLabels)), (c) => `cache invalid: ${join(c, IDX_FILE_NAMES.testLabels)}: file not found`],
    ['manifest deleted', () => rm(idx('manifest.json')), (c) => `${join(c, 'manifest.json')} is missing (deleted, or an earlier build did not finish)`],
    [
      'manifest edited (a class report changed)',
      async () => {
        const m = JSON.parse(await readFile(idx('manifest.json'), 'utf8')) as { perClass: { valid: number }[] }
        m.perClass[0]!.valid += 1
        await writeFile(idx('manifest.json'), JSON.stringify(m))
      },
      (c) => `${join(c, 'manifest.json')}: checksum mismatch: the file was changed or damaged`,
    ],
    [
      'manifest truncated',
      () => truncate(idx('manifest.json'), 10),
      (c) => `${join(c, 'manifest.json')}: not valid JSON (`,
    ],
    [
      'an older cache format',
      async () => {
        const m = JSON.parse(await readFile(idx('manifest.json'), 'utf8')) as Record<string, unknown>
        await writeFile(idx('manifest.json'), JSON.stringify({ ...m, format: 1, files: undefined, checksum: undefined }))
      },
      (c) => `${join(c, 'manifest.json')}: cache format 1, need ${CACHE_FORMAT}`,
    ],
  ]
  it.each(damages)('%s', async (_, damage, reason) => {
    const original = await load()
    expect(original.notes).toEqual([`built the Fashion-MNIST cache in ${cacheDir} (no cache yet)`])
    const clean = await load()
    expect(clean.notes).toEqual([])
    same(clean, original)

    await damage()
    const rebuilt = await load()
    expect(rebuilt.notes).toHaveLength(1)
    expect(rebuilt.notes![0]!.startsWith(`rebuilt the Fashion-MNIST cache in ${cacheDir}: ${reason(cacheDir)}`)).toBe(true)
    same(rebuilt, original)
    const after = await load()
    expect(after.notes).toEqual([])
    same(after, original)
  })

  it('the fashionMnist() data source passes the notes on (the pipeline logs them)', async () => {
    const src = fashionMnist({ cacheDir, ...opts() })
    const first = await src.load()()
    expect(E.isRight(first) && first.right.notes).toEqual([`built the Fashion-MNIST cache in ${cacheDir} (no cache yet)`])
    const b = await readFile(idx(IDX_FILE_NAMES.testLabels))
    b[b.length - 1] = (b[b.length - 1]! + 1) % 10
    await writeFile(idx(IDX_FILE_NAMES.testLabels), b)
    const second = await src.load()()
    expect(E.isRight(second) && second.right.notes).toEqual([
      `rebuilt the Fashion-MNIST cache in ${cacheDir}: cache invalid: ${idx(IDX_FILE_NAMES.testLabels)}: checksum mismatch: the file was changed or damaged`,
    ])
    const third = await src.load()()
    expect(E.isRight(third) && third.right.notes).toEqual([])
  })
})

/** The pid of a process that has exited (and been reaped). */
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

describe('stale temp files', () => {
  it('removeStaleTemps removes the temps of dead writers only, and nothing else', async () => {
    const dead = await deadPid()
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      await mkdir(dir, { recursive: true })
      const names = {
        deadCkpt: `checkpoint.json${TEMP_MARK}${dead}-0a1b2c3d`,
        deadSvg: `training.svg${TEMP_MARK}${dead}-ffee0011`,
        deadLog: `log.jsonl${TEMP_MARK}${dead}-00000000`,
        deadProbe: `.typegrad-probe-${dead}-12345678`,
        liveCkpt: `checkpoint.json${TEMP_MARK}${live.pid}-0a1b2c3d`,
        mine: `checkpoint.json${TEMP_MARK}${process.pid}-0a1b2c3d`,
        notTemp1: 'checkpoint.json',
        notTemp2: `notes${TEMP_MARK}abc-0a`,
        notTemp3: `x${TEMP_MARK}${dead}-nothex`,
      }
      for (const n of Object.values(names)) await writeFile(join(dir, n), 'x')
      expect(tempWriterPid(names.deadCkpt)).toBe(dead)
      expect(tempWriterPid(names.notTemp2)).toBeUndefined()
      const r = await removeStaleTemps(dir)()
      expect(r).toEqual(E.right([names.deadProbe, names.deadCkpt, names.deadLog, names.deadSvg].map((n) => join(dir, n)).sort()))
      expect((await readdir(dir)).sort()).toEqual(
        [names.liveCkpt, names.mine, names.notTemp1, names.notTemp2, names.notTemp3, 'src'].sort(),
      )
      expect(await removeStaleTemps(join(dir, 'missing'))()).toEqual(E.right([]))
    } finally {
      live.kill('SIGKILL')
    }
  })

  it('loading the cache removes stale temps in the cache directory, with a note', async () => {
    await load()
    const dead = await deadPid()
    const stale = `${IDX_FILE_NAMES.trainImages}${TEMP_MARK}${dead}-deadbeef`
    await writeFile(idx(stale), 'partial')
    const r = await load()
    expect(r.notes).toEqual([`removed 1 stale temp file(s) of a killed run from ${cacheDir}: ${stale}`])
    expect((await readdir(cacheDir)).sort()).toEqual([...Object.values(IDX_FILE_NAMES), 'manifest.json'].sort())
  })
})

describe('a cache directory Node cannot create', () => {
  it('under /proc: a clear WriteFailed within seconds, not a hang', () => {
    const script = `
      import { loadFashionMnist } from './src/runtime/data/fashionMnist.ts'
      import { writeFileAtomic } from './src/runtime/data/idxFiles.ts'
      const a = await loadFashionMnist({ cacheDir: '/proc/typegrad-test/cache' })()
      const b = await writeFileAtomic('/proc/typegrad-test/deeper/file', 'x')()
      console.log(JSON.stringify([a, b]))`
    const t0 = Date.now()
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' })
    expect(r.signal, 'the child hung and was killed after 20 s').toBeNull()
    expect(Date.now() - t0).toBeLessThan(20_000)
    const [a, b] = JSON.parse(r.stdout) as [E.Either<{ _tag: string; message: string }, unknown>, E.Either<{ _tag: string; message: string }, unknown>]
    expect(a).toMatchObject({ _tag: 'Left', left: { _tag: 'WriteFailed', message: expect.stringMatching(/^\/proc\/typegrad-test\/cache: cannot write \(.*mkdir '\/proc\/typegrad-test'\)$/) } })
    expect(b).toMatchObject({ _tag: 'Left', left: { _tag: 'WriteFailed', message: expect.stringMatching(/^\/proc\/typegrad-test\/deeper\/file: cannot write \(/) } })
  })
})

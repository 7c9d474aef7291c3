import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  convertFashionMnistJson,
  fashionMnistJsonDir,
  invalidReason,
} from '../../../src/runtime/data/fashionMnistJson.js'
import { expectLeft, expectRight, tempDir } from './fixtures.js'

let dir: string
let cleanup: () => Promise<void>
beforeEach(async () => ({ dir, cleanup } = await tempDir('fmjson')))
afterEach(() => cleanup())

/** A valid 28x28 image whose every pixel encodes (label, k) so the tests can tell images apart. */
const image = (label: number, k: number): number[] => Array.from({ length: 784 }, (_, p) => (label * 20 + k + p) % 256)

/** Writes 0.json..9.json with `perClass` valid images each, plus the given extra records spliced in. */
async function writeFakeSource(perClass: number, extras: Record<number, Array<[number, unknown]>> = {}) {
  await mkdir(dir, { recursive: true })
  for (let label = 0; label < 10; label++) {
    const data: unknown[] = Array.from({ length: perClass }, (_, k) => image(label, k))
    for (const [at, record] of extras[label] ?? []) data.splice(at, 0, record)
    await writeFile(join(dir, `${label}.json`), JSON.stringify({ data }))
  }
}

describe('invalidReason', () => {
  it('accepts exactly 784 integers in 0..255 and explains every other record', () => {
    expect(invalidReason(image(3, 1))).toBeUndefined()
    expect(invalidReason([])).toBe('wrong length 0, expected 784')
    expect(invalidReason(null)).toMatch(/not an array/)
    expect(invalidReason({ length: 784 })).toMatch(/not an array/)
    const withValue = (v: unknown) => Object.assign(image(0, 0), { 5: v })
    expect(invalidReason(withValue(256))).toMatch(/pixel 5 = 256 is outside/)
    expect(invalidReason(withValue(-1))).toMatch(/outside/)
    expect(invalidReason(withValue(1.5))).toMatch(/pixel 5 is not an integer/)
    expect(invalidReason(withValue('7'))).toMatch(/not an integer/)
  })
})

describe('convertFashionMnistJson', () => {
  it('skips invalid records, reports them, and splits the next valid ones', async () => {
    await writeFakeSource(5, {
      0: [[1, []], [6, []]], // like the real class 0: empty records at 1 and at the very end
      4: [[0, image(4, 99).map((v, p) => (p === 0 ? 300 : v))]],
      9: [[2, image(9, 98).slice(1)]],
    })
    const ds = await expectRight(convertFashionMnistJson(dir, { trainPerClass: 3, testPerClass: 1 }))
    expect(ds.skipped).toEqual([
      { file: join(dir, '0.json'), index: 1, reason: 'wrong length 0, expected 784' },
      { file: join(dir, '0.json'), index: 6, reason: 'wrong length 0, expected 784' },
      { file: join(dir, '4.json'), index: 0, reason: 'pixel 0 = 300 is outside 0..255' },
      { file: join(dir, '9.json'), index: 2, reason: 'wrong length 783, expected 784' },
    ])
    expect(ds.train.n).toBe(30)
    expect(ds.test.n).toBe(10)
    expect(ds.perClass.map((c) => [c.valid, c.skipped, c.unused])).toEqual(
      Array.from({ length: 10 }, (_, label) => [5, [0, 4, 9].includes(label) ? (label === 0 ? 2 : 1) : 0, 1]),
    )
    // Interleaved: example k of class c at k*10 + c; train takes valid images 0..2, test image 3.
    for (let i = 0; i < 30; i++) {
      const [label, k] = [i % 10, Math.floor(i / 10)]
      expect(ds.train.labels[i]).toBe(label)
      expect([...ds.train.images.subarray(i * 784, (i + 1) * 784)]).toEqual(image(label, k))
    }
    for (let i = 0; i < 10; i++) {
      expect(ds.test.labels[i]).toBe(i)
      expect([...ds.test.images.subarray(i * 784, (i + 1) * 784)]).toEqual(image(i, 3))
    }
  })

  it('fails with TooFewValidImages naming the class file', async () => {
    await writeFakeSource(5)
    const seven = [image(7, 0), [], image(7, 1), image(7, 2), image(7, 3)]
    await writeFile(join(dir, '7.json'), JSON.stringify({ data: seven }))
    const err = await expectLeft(convertFashionMnistJson(dir, { trainPerClass: 4, testPerClass: 1 }))
    expect(err).toMatchObject({ _tag: 'TooFewValidImages', file: join(dir, '7.json'), label: 7, valid: 4, required: 5 })
  })

  it('reports unparsable or foreign JSON and missing class files', async () => {
    await writeFakeSource(2)
    await writeFile(join(dir, '3.json'), '{"data": [[1, 2')
    expect(await expectLeft(convertFashionMnistJson(dir, { trainPerClass: 1, testPerClass: 1 }))).toMatchObject({
      _tag: 'BadSourceJson',
      file: join(dir, '3.json'),
    })
    await writeFile(join(dir, '3.json'), '{"images": []}')
    expect(await expectLeft(convertFashionMnistJson(dir, { trainPerClass: 1, testPerClass: 1 }))).toMatchObject({
      _tag: 'BadSourceJson',
      file: join(dir, '3.json'),
    })
    expect(await expectLeft(convertFashionMnistJson(join(dir, 'nope'), { trainPerClass: 1 }))).toMatchObject({
      _tag: 'FileNotFound',
      file: join(dir, 'nope', '0.json'),
    })
  })

  it('the installed package: class 0 holds exactly the two known empty records', async () => {
    const file = join(fashionMnistJsonDir(), '0.json')
    const data = (JSON.parse(await readFile(file, 'utf8')) as { data: unknown[] }).data
    const bad = data.flatMap((record, index) => (invalidReason(record) === undefined ? [] : [index]))
    expect(data.length).toBe(7002)
    expect(bad).toEqual([1000, 7001])
  })
})

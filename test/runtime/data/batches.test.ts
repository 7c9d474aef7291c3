import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { batchCount, batches, epochOrder, type Batch } from '../../../src/runtime/data/batches.js'
import type { Split } from '../../../src/runtime/data/split.js'
import { syntheticSplit } from './fixtures.js'

/** Recovers which example each batch row came from: synthetic image i has pixel 0 = (i*31) % 256 and pixel 1 = (i*31+7) % 256. */
function exampleIds(split: Split, all: Batch[]): number[] {
  const pixels = split.rows * split.cols
  const byFirstPixels = new Map<string, number>()
  for (let i = 0; i < split.n; i++) {
    byFirstPixels.set([...split.images.subarray(i * pixels, i * pixels + 4)].join(','), i)
  }
  return all.flatMap((b) =>
    Array.from({ length: b.size }, (_, k) => {
      const key = [...b.x.subarray(k * pixels, k * pixels + 4)].map((v) => Math.round(v * 255)).join(',')
      return byFirstPixels.get(key)!
    }),
  )
}

// 9 examples of 2x3 pixels: the first 4 pixels identify each one (31 is coprime to 256 and i < 9).
const split = syntheticSplit(9, 2, 3)

describe('batches', () => {
  it('visits every example exactly once per epoch, keeping the last partial batch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), fc.nat(), fc.nat(5), (batchSize, shuffle, seed, epoch) => {
        const all = [...batches(split, { batchSize, shuffle, seed, epoch })]
        expect(all.length).toBe(batchCount(9, { batchSize }))
        expect(all.map((b) => b.size)).toEqual(
          Array.from({ length: all.length }, (_, b) => Math.min(batchSize, 9 - b * batchSize)),
        )
        const ids = exampleIds(split, all)
        expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
        if (!shuffle) expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
        // Labels travel with their images.
        expect(all.flatMap((b) => [...b.y])).toEqual(ids.map((i) => split.labels[i]))
      }),
    )
  })

  it('drops the last partial batch only when asked', () => {
    const all = [...batches(split, { batchSize: 4, shuffle: true, seed: 3, epoch: 0, dropLast: true })]
    expect(all.map((b) => b.size)).toEqual([4, 4])
    expect(batchCount(60000, { batchSize: 256 })).toBe(235)
    expect(batchCount(60000, { batchSize: 256, dropLast: true })).toBe(234)
  })

  it('replays the same order for the same (seed, epoch) and changes it across epochs and seeds', () => {
    const order = (seed: number | string, epoch: number) =>
      exampleIds(split, [...batches(split, { batchSize: 4, shuffle: true, seed, epoch })])
    expect(order(7, 2)).toEqual(order(7, 2))
    expect(order(7, 2)).not.toEqual(order(7, 3))
    const iterable = batches(split, { batchSize: 4, shuffle: true, seed: 7, epoch: 2 })
    expect(exampleIds(split, [...iterable])).toEqual(exampleIds(split, [...iterable]))

    const big = 1000
    const e0 = epochOrder(big, 7, 0)
    expect([...epochOrder(big, 7, 0)]).toEqual([...e0])
    expect([...epochOrder(big, 7, 1)]).not.toEqual([...e0])
    expect([...epochOrder(big, 8, 0)]).not.toEqual([...e0])
    expect([...epochOrder(big, 'run-a', 0)]).not.toEqual([...epochOrder(big, 'run-b', 0)])
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: big }, (_, i) => i))
  })

  it('lays x out as [B,1,rows,cols] with pixels / 255 in [0, 1], in fresh buffers', () => {
    const s: Split = { images: Uint8Array.of(0, 255, 51, 1, 128, 254), labels: Uint8Array.of(4, 9), n: 2, rows: 1, cols: 3 }
    const [b0, b1] = [...batches(s, { batchSize: 1, shuffle: false })]
    expect(b0!.x).toBeInstanceOf(Float32Array)
    expect(b0!.y).toBeInstanceOf(Int32Array)
    expect([...b0!.x]).toEqual([0, 1, Math.fround(0.2)])
    expect(b1!.x[0]).toBeCloseTo(1 / 255, 7)
    expect([...b1!.y]).toEqual([9])
    expect(b0!.x.buffer).not.toBe(b1!.x.buffer)

    const full = [...batches(syntheticSplit(300), { batchSize: 128, shuffle: true, seed: 1 })]
    const values = full.flatMap((b) => [Math.min(...b.x), Math.max(...b.x)])
    expect(Math.min(...values)).toBe(0)
    expect(Math.max(...values)).toBe(1)
    expect(full[0]!.x.length).toBe(128 * 784)
  })

  it('rejects a batch size that is not a positive integer', () => {
    for (const batchSize of [0, -1, 2.5, Number.NaN]) {
      expect(() => batches(split, { batchSize, shuffle: false })).toThrow(RangeError)
    }
  })
})

/** The accumulator monoid's laws, on host numbers and on device scalars (cpu backend). */
import '@tensorflow/tfjs-backend-cpu'
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { concatAll } from 'fp-ts/lib/Monoid.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { type Accumulator, accumulatorMonoid, averages, deviceSum, hostAccumulator } from '../../../src/runtime/train/index.js'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

// Integer-valued sums (losses in float are not associative; counts and correct are integers anyway).
// Every accumulator of a run has one extra sum per user metric: two here.
const acc = fc.record({
  lossSum: fc.integer({ min: 0, max: 1e6 }),
  correct: fc.integer({ min: 0, max: 1e4 }),
  extra: fc.array(fc.integer({ min: 0, max: 1e4 }), { minLength: 2, maxLength: 2 }),
  count: fc.integer({ min: 0, max: 1e4 }),
})

describe('accumulator monoid', () => {
  it('host: identity and associativity', () => {
    const M = hostAccumulator
    fc.assert(
      fc.property(acc, acc, acc, (a, b, c) => {
        expect(M.concat(M.empty, a)).toEqual(a)
        expect(M.concat(a, M.empty)).toEqual(a)
        expect(M.concat(M.concat(a, b), c)).toEqual(M.concat(a, M.concat(b, c)))
      }),
    )
  })

  it("host: concatAll is d2l's Accumulator and averages divide by the count", () => {
    const total = concatAll(hostAccumulator)([
      { lossSum: 2, correct: 1, extra: [1], count: 4 },
      { lossSum: 1, correct: 3, extra: [3], count: 4 },
    ])
    expect(total).toEqual({ lossSum: 3, correct: 4, extra: [4], count: 8 })
    expect(averages(total)).toEqual({ loss: 3 / 8, acc: 0.5, extra: [0.5] })
  })

  it('device: the same laws on float32 scalars, read back on the host', () => {
    const sum = deviceSum()
    const M = accumulatorMonoid(sum)
    const up = (a: Accumulator<number>): Accumulator<tf.Scalar> => ({ lossSum: tf.scalar(a.lossSum), correct: tf.scalar(a.correct), extra: a.extra.map((e) => tf.scalar(e)), count: a.count })
    const down = (a: Accumulator<tf.Scalar>) => ({ lossSum: a.lossSum.dataSync()[0], correct: a.correct.dataSync()[0], extra: a.extra.map((e) => e.dataSync()[0]), count: a.count })
    const before = tf.memory().numTensors
    fc.assert(
      fc.property(acc, acc, acc, (a, b, c) =>
        tf.tidy(() => {
          const [x, y, z] = [up(a), up(b), up(c)]
          expect(down(M.concat(M.empty, x))).toEqual(a)
          expect(down(M.concat(x, M.empty))).toEqual(a)
          expect(down(M.concat(M.concat(x, y), z))).toEqual(down(M.concat(x, M.concat(y, z))))
          expect(down(M.concat(x, y))).toEqual(hostAccumulator.concat(a, b))
        }),
      ),
      { numRuns: 50 },
    )
    expect(tf.memory().numTensors).toBe(before)
    sum.empty.dispose()
  })
})

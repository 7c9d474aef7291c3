/** Gradients of softmax, logSoftmax, cross-entropy, dropout and batchNorm against tfjs tape gradients. */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { dropoutScale } from '../../../src/compile/interpret.js'
import { mk } from '../../../src/dsl/node.js'
import { key } from '../../../src/dsl/random.js'
import { checkGrads, rand, useCpu } from '../support.js'

beforeAll(useCpu)

const runs = { numRuns: 20 }
const dim = fc.integer({ min: 1, max: 4 })
const shape = fc.array(dim, { minLength: 1, maxLength: 3 })
const softmaxRef = (x: tf.Tensor, axis: number) => {
  const e = tf.exp(tf.sub(x, tf.max(x, axis, true)))
  return tf.div(e, tf.sum(e, axis, true))
}

describe('nn gradients', () => {
  for (const op of ['softmax', 'logSoftmax'] as const) {
    it(`of ${op} along a random axis match tfjs`, () => {
      const c = shape.chain((s) => fc.record({ s: fc.constant(s), axis: fc.integer({ min: -s.length, max: s.length - 1 }), seed: fc.nat(1000) }))
      fc.assert(
        fc.property(c, ({ s, axis, seed }) =>
          checkGrads(
            [{ shape: s, value: rand(s, seed, -2, 2) }],
            ([x]) => mk(op, [x!], { axis }),
            ([x]) => (op === 'softmax' ? softmaxRef(x!, axis) : tf.log(softmaxRef(x!, axis))),
          ),
        ),
        runs,
      )
    })
  }

  it('of softmaxCrossEntropy against int labels match tfjs', () => {
    fc.assert(
      fc.property(dim, fc.integer({ min: 2, max: 5 }), fc.nat(1000), (b, c, seed) => {
        const labels = tf.tensor1d(Array.from({ length: b }, (_, i) => (seed + 3 * i) % c), 'int32')
        const y = mk('input', [], { name: 'y', dtype: 'int32' }, [b], 'int32')
        checkGrads(
          [{ shape: [b, c], value: rand([b, c], seed, -2, 2) }],
          ([l]) => mk('softmaxCrossEntropy', [l!, y], {}),
          ([l]) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, c), tf.logSoftmax(l!)), 1))),
          { inputs: { y: labels } },
        )
      }),
      runs,
    )
  })

  it('of dropout use the same mask as the forward pass', () => {
    fc.assert(
      fc.property(shape, fc.constantFrom(0, 0.3, 0.5), fc.nat(1000), (s, rate, seed) => {
        const n = s.reduce((a, b) => a * b, 1)
        const k = key(seed)
        const scale = tf.tensor(dropoutScale(k, 'drop', rate, n), s)
        checkGrads([{ shape: s, value: rand(s, seed) }], ([x]) => mk('dropout', [x!], { rate, stream: 'drop' }), ([x]) => tf.mul(x!, scale), { key: k })
      }),
      runs,
    )
  })

  it('dropout keeps about 1 - rate of the elements, scaled by 1 / (1 - rate), deterministically per key and stream', () => {
    const s = dropoutScale(key(3), '2', 0.25, 10000)
    const kept = s.filter((v) => v !== 0)
    expect(kept.length / s.length).toBeCloseTo(0.75, 1)
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]))
    expect(dropoutScale(key(3), '2', 0.25, 10000)).toEqual(s)
    // another step's key, or another layer's stream, draws another mask
    const differs = (t: Float32Array) => t.filter((v, i) => v !== s[i]).length / s.length
    expect(differs(dropoutScale(key(4), '2', 0.25, 10000))).toBeGreaterThan(0.2)
    expect(differs(dropoutScale(key(3), '5', 0.25, 10000))).toBeGreaterThan(0.2)
  })

  it('of batchNorm (training statistics, biased variance) match tfjs for x, gamma and beta', () => {
    const c = fc.record({ n: fc.integer({ min: 2, max: 3 }), c: dim, hw: fc.integer({ min: 1, max: 3 }), image: fc.boolean(), seed: fc.nat(1000) })
    fc.assert(
      fc.property(c, (r) => {
        const xs = r.image ? [r.n, r.c, r.hw, r.hw] : [r.n, r.c]
        const axes = r.image ? [0, 2, 3] : [0]
        const channel = r.image ? [1, r.c, 1, 1] : [1, r.c]
        const eps = 1e-3
        checkGrads(
          [{ shape: xs, value: rand(xs, r.seed, -2, 2) }, { shape: [r.c], value: rand([r.c], r.seed + 1, 0.5, 1.5) }, { shape: [r.c], value: rand([r.c], r.seed + 2) }],
          ([x, g, b]) => mk('batchNorm', [x!, g!, b!], { axis: 1, eps }),
          ([x, g, b]) => {
            const { mean, variance } = tf.moments(x!, axes, true)
            return tf.add(tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, eps))), tf.reshape(g!, channel)), tf.reshape(b!, channel))
          },
          { rtol: 5e-3, atol: 5e-4 },
        )
      }),
      runs,
    )
  })
})

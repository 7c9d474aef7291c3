/** Gradients of matMul, reshape, transpose, reductions and broadcastTo against tfjs tape gradients. */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, it } from 'vitest'
import { mk } from '../../../src/dsl/node.js'
import type { Activation } from '../../../src/dsl/ops.js'
import { checkGrads, rand, useCpu } from '../support.js'

beforeAll(useCpu)

const runs = { numRuns: 20 }
const dim = fc.integer({ min: 1, max: 4 })
const shape = fc.array(dim, { minLength: 1, maxLength: 4 })
const activation = fc.constantFrom<Activation>('linear', 'relu', 'sigmoid', 'tanh')
const act = (a: Activation, t: tf.Tensor) => (a === 'linear' ? t : tf[a](t))

const matMulCase = fc.record({ m: dim, k: dim, n: dim, ta: fc.boolean(), tb: fc.boolean(), seed: fc.nat(1000) })
const matOperands = (r: { m: number; k: number; n: number; ta: boolean; tb: boolean; seed: number }) => {
  const [as, bs] = [r.ta ? [r.k, r.m] : [r.m, r.k], r.tb ? [r.n, r.k] : [r.k, r.n]]
  return [{ shape: as, value: rand(as, r.seed) }, { shape: bs, value: rand(bs, r.seed + 1) }]
}
const reduceCase = shape.chain((s) =>
  fc.record({ s: fc.constant(s), axes: fc.subarray(s.map((_, i) => i)), negative: fc.boolean(), keepDims: fc.boolean(), seed: fc.nat(1000) }),
)

describe('structural gradients', () => {
  it('of matMul with transposes match tfjs', () => {
    fc.assert(
      fc.property(matMulCase, (r) =>
        checkGrads(
          matOperands(r),
          ([a, b]) => mk('matMul', [a!, b!], { transposeA: r.ta, transposeB: r.tb }),
          ([a, b]) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, r.ta, r.tb),
        ),
      ),
      runs,
    )
  })

  it('of fusedMatMul (bias + activation) match tfjs', () => {
    fc.assert(
      fc.property(matMulCase, activation, (r, a) =>
        checkGrads(
          [...matOperands(r), { shape: [r.n], value: rand([r.n], r.seed + 2) }],
          ([x, w, b]) => mk('fusedMatMul', [x!, w!, b!], { transposeA: r.ta, transposeB: r.tb, activation: a }),
          ([x, w, b]) => act(a, tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, r.ta, r.tb), b!)),
        ),
      ),
      runs,
    )
  })

  it('of reshape and transpose match tfjs', () => {
    const perm = shape.chain((s) => fc.record({ s: fc.constant(s), perm: fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length }), seed: fc.nat(1000) }))
    fc.assert(
      fc.property(perm, ({ s, perm, seed }) => {
        const flat = [s.reduce((a, b) => a * b, 1)]
        checkGrads(
          [{ shape: s, value: rand(s, seed) }],
          ([x]) => mk('reshape', [mk('transpose', [x!], { perm })], { shape: [-1] }),
          ([x]) => tf.reshape(tf.transpose(x!, perm), flat),
        )
      }),
      runs,
    )
  })

  for (const op of ['sum', 'mean', 'max'] as const) {
    it(`of ${op} over random axes (keepDims or not) match tfjs`, () => {
      fc.assert(
        fc.property(reduceCase, (r) => {
          const axes = r.negative ? r.axes.map((a) => a - r.s.length) : r.axes
          checkGrads(
            [{ shape: r.s, value: rand(r.s, r.seed) }],
            ([x]) => mk(op, [x!], { axes, keepDims: r.keepDims }),
            ([x]) => (r.axes.length === 0 ? x! : tf[op](x!, axes, r.keepDims)),
          )
        }),
        runs,
      )
    })
  }

  it('of broadcastTo match tfjs', () => {
    fc.assert(
      fc.property(shape, fc.nat(15), fc.nat(1000), (s, ones, seed) => {
        const from = s.map((d, i) => ((ones >> i) & 1 ? 1 : d)).slice(ones % 2)
        checkGrads([{ shape: from, value: rand(from, seed) }], ([x]) => mk('broadcastTo', [x!], { shape: s }), ([x]) => tf.broadcastTo(x!, s))
      }),
      runs,
    )
  })
})

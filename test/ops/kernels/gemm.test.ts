/**
 * The SIMD dense product (src/ops/kernels/gemm.ts) against tfjs' own matMul on the cpu backend, over
 * random sizes (tails of the 4-row and 8-column panels included), both transposes, bias and activation.
 * (heap-threads.test.ts checks that two threads give the same bits as one.)
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { simdMatMul } from '../../../src/ops/kernels/gemm.js'
import { useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

const caseArb = fc.record({
  m: fc.integer({ min: 1, max: 70 }),
  k: fc.integer({ min: 1, max: 90 }),
  n: fc.integer({ min: 1, max: 41 }),
  ta: fc.boolean(),
  tb: fc.boolean(),
  bias: fc.boolean(),
  activation: fc.constantFrom('linear', 'relu', 'sigmoid'),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
})
type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never

const operands = (c: Case) => ({
  a: tf.tensor2d(seeded(c.seed, c.m * c.k), c.ta ? [c.k, c.m] : [c.m, c.k]),
  b: tf.tensor2d(seeded(c.seed + 1, c.k * c.n), c.tb ? [c.n, c.k] : [c.k, c.n]),
  bias: c.bias ? tf.tensor1d(seeded(c.seed + 2, c.n)) : undefined,
})

describe('SIMD dense product on wasm', () => {
  beforeAll(() => useBackend('wasm'))

  it("matches tfjs' matMul + bias + activation on the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const [want] = await onCpu(() => {
          const o = operands(c)
          const y = tf.matMul(o.a, o.b, c.ta, c.tb)
          const z = o.bias ? tf.add(y, o.bias) : y
          return c.activation === 'relu' ? tf.relu(z) : c.activation === 'sigmoid' ? tf.sigmoid(z) : z
        })
        const o = operands(c)
        const got = simdMatMul(o.a, o.b, c.ta, c.tb, o.bias, c.activation)
        expect(got?.shape).toEqual([c.m, c.n])
        expectClose(await got!.data(), want!)
        tf.dispose([o.a, o.b, ...(o.bias ? [o.bias] : []), got!])
      }),
      { numRuns: 80 },
    )
  })

  it('declines what it does not compute, so the caller runs tfjs', () => {
    const a = tf.ones([3, 4])
    expect(simdMatMul(a, tf.ones([5, 2]), false, false, undefined, 'linear')).toBeUndefined()
    expect(simdMatMul(a, tf.ones([4, 2]), false, false, tf.ones([3]), 'linear')).toBeUndefined()
    expect(simdMatMul(a, tf.ones([4, 2]), false, false, undefined, 'tanh')).toBeUndefined()
    expect(simdMatMul(tf.ones([3, 4], 'int32'), tf.ones([4, 2]), false, false, undefined, 'linear')).toBeUndefined()
  })
})

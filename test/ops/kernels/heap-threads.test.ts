/**
 * The two-thread path of the heap kernels (heap-threads.ts) against the one-thread path: the SIMD
 * kernels on the threaded wasm heap (a shared WebAssembly.Memory). Everything must match bitwise: each
 * element is computed by the same code, and the kernels keep partial sums per range or work item (not per
 * thread) and fold them in order, so a training run is reproducible whichever thread did which range.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heapThreadsActive, setHeapThreads } from '../../../src/ops/kernels/heap-threads.js'
import { columnSums, conv2dFilterGrad, conv2dInputGrad, conv2dOneChannel, pooledSigmoidGradWithBias } from '../../../src/ops/kernels/index.js'
import { batchNormGradHeap, batchNormHeap, channelStatHeap } from '../../../src/ops/kernels/batch-norm-heap.js'
import { simdMatMul } from '../../../src/ops/kernels/gemm.js'
import { conv2dTiled, conv2dTiledPooled } from '../../../src/ops/kernels/conv2d-tiles.js'
import { conv2dOneChannelPooled } from '../../../src/ops/kernels/conv2d-one-channel.js'
import { maxPool2dGradHeap } from '../../../src/ops/kernels/max-pool2d-grad-heap.js'
import { reluGradHeap, reluHeap } from '../../../src/ops/kernels/relu-grad-heap.js'
import { simdFma } from '../../../src/ops/kernels/simd/module.js'
import { initWasm } from '../../../src/runtime/backends/wasm.js'
import { seeded } from './support.js'

/** Runs `f` on one thread and on two; returns both results as plain arrays. */
const bothWays = (f: () => tf.Tensor[]): { one: number[][]; two: number[][] } => {
  const run = (mode: 'off' | 'always') => {
    setHeapThreads(mode)
    const outs = f()
    const values = outs.map((t) => Array.from(t.dataSync()))
    tf.dispose(outs)
    return values
  }
  return { one: run('off'), two: run('always') }
}

describe('heap kernels on two threads', () => {
  beforeAll(async () => {
    const { threads } = await initWasm({ threads: 2 })
    expect(threads).toBe(2)
    // The worker starts lazily and the first calls run on one thread until it is ready.
    const x = tf.ones([64, 64, 64])
    for (let i = 0; i < 200 && !heapThreadsActive(); i++) {
      setHeapThreads('always')
      columnSums(x).dispose()
      await new Promise((r) => setTimeout(r, 10))
    }
    x.dispose()
    expect(heapThreadsActive()).toBe(true)
  })
  afterAll(() => setHeapThreads('auto'))

  it('run the fused multiply-add binaries (relaxed SIMD, enabled on Node 20 by the loader)', () => {
    expect(simdFma()).toBe(true)
  })

  it('SIMD pooled sigmoid grad and column sums: two threads equal one thread bitwise, sums included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 70 }), fc.constantFrom(1, 2, 4), fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, k, c, seed) => {
        const shape: [number, number, number, number] = [n, 4 * k, 2 * k, c]
        const size = n * 8 * k * k * c
        const { one, two } = bothWays(() =>
          tf.tidy(() => {
            const y = tf.tensor4d(seeded(seed, size).map((v) => 0.5 + 0.49 * v), shape)
            const dp = tf.tensor4d(seeded(seed + 1, size / (k * k)), [n, 4, 2, c])
            const g = pooledSigmoidGradWithBias(y, dp, k, k)
            return [g.dx!, g.db, columnSums(y)]
          }),
        )
        expect(two).toEqual(one)
      }),
      { numRuns: 25 },
    )
  })

  it('SIMD conv2d filter and input grads, the one-channel conv and the conv tiles: two threads equal one thread bitwise (items write disjoint outputs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, ci, co, k, seed) => {
        const { one, two } = bothWays(() =>
          tf.tidy(() => {
            const x = tf.tensor4d(seeded(seed, n * 12 * 12 * ci), [n, 12, 12, ci])
            const dy = tf.tensor4d(seeded(seed + 1, n * 12 * 12 * co), [n, 12, 12, co])
            const w = tf.tensor4d(seeded(seed + 2, k * k * ci * co), [k, k, ci, co])
            const x1 = tf.tensor4d(seeded(seed + 3, n * 12 * 12), [n, 12, 12, 1])
            const w1 = tf.tensor4d(seeded(seed + 4, k * k * co), [k, k, 1, co])
            return [
              conv2dFilterGrad(x, dy, [k, k, ci, co], 1, 'same', 1),
              conv2dInputGrad(dy, w, [n, 12, 12, ci], 1, 'same', 1),
              conv2dOneChannel(x1, w1, 1, 'same', 1, undefined, 'sigmoid')!,
              ...conv2dOneChannelPooled(x1, w1, 1, 'same', 1, undefined, 'sigmoid')!,
              conv2dTiled(x, w, 1, 'valid', 1, undefined, 'relu')!,
              ...conv2dTiledPooled(x, w, 1, 'same', 1, undefined, 'sigmoid')!,
            ]
          }),
        )
        expect(two).toEqual(one)
      }),
      { numRuns: 20 },
    )
  })

  it('SIMD dense product: two threads equal one thread bitwise (row panels write disjoint outputs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 300 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 ** 30 }), (m, k, n, ta, tb, seed) => {
        const { one, two } = bothWays(() =>
          tf.tidy(() => {
            const a = tf.tensor2d(seeded(seed, m * k), ta ? [k, m] : [m, k])
            const b = tf.tensor2d(seeded(seed + 1, k * n), tb ? [n, k] : [k, n])
            return [simdMatMul(a, b, ta, tb, tf.tensor1d(seeded(seed + 2, n)), 'sigmoid')!]
          }),
        )
        expect(two).toEqual(one)
      }),
      { numRuns: 20 },
    )
  })

  it('SIMD max-pool grad, relu and reluGrad: two threads equal one thread bitwise (overlapping, padded, tied windows)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(1, 2, 3),
        fc.constantFrom(1, 2),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (n, hw, c, k, s, pad, seed) => {
          const p = Math.min(pad, k - 1)
          const oh = Math.floor((hw + 2 * p - k) / s) + 1
          const size = n * hw * hw * c
          const { one, two } = bothWays(() =>
            tf.tidy(() => {
              const x = tf.tensor4d(seeded(seed, size, true), [n, hw, hw, c])
              const dy = tf.tensor4d(seeded(seed + 1, n * oh * oh * c), [n, oh, oh, c])
              const dx = tf.tensor4d(seeded(seed + 2, size), [n, hw, hw, c])
              return [maxPool2dGradHeap(dy, x, [k, k], [s, s], [p, p, p, p]), reluHeap(x), reluGradHeap(x, dx)]
            }),
          )
          expect(two).toEqual(one)
        },
      ),
      { numRuns: 30 },
    )
  })

  it('SIMD batch norm: two threads equal one thread bitwise (each work item sums into its own slot, folded in order)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, hw, c, seed) => {
        const size = n * hw * hw * c
        const { one, two } = bothWays(() =>
          tf.tidy(() => {
            const x = tf.tensor4d(seeded(seed, size), [n, hw, hw, c])
            const dy = tf.tensor4d(seeded(seed + 1, size), [n, hw, hw, c])
            const g = tf.tensor1d(seeded(seed + 2, c))
            const b = tf.tensor1d(seeded(seed + 3, c))
            return [
              batchNormHeap(x, g, b, 1e-3),
              ...(['x', 'gamma', 'beta'] as const).map((which) => batchNormGradHeap(x, g, dy, 1e-3, which)),
              channelStatHeap(x, 'mean'),
              channelStatHeap(x, 'unbiasedVar'),
            ]
          }),
        )
        expect(two).toEqual(one)
      }),
      { numRuns: 25 },
    )
  })
})

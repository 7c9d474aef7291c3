/**
 * The SIMD batch norm, relu and max-pool gradient kernels (simd/norm-kernels.ts) on tfjs-wasm against
 * tfjs-cpu: batch norm's gradients against tf.grads of the normalization written in tfjs ops, the max-pool
 * gradient against the tfjs composition (max-pool2d-grad.ts). Channel counts 1..20 cover the vector tails
 * (and the overlapping last vector of the max-pool kernel), odd spatial sizes the row tails.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, it } from 'vitest'
import { batchNormGradHeap, batchNormHeap, batchNormInferHeap, channelStatHeap } from '../../../src/ops/kernels/batch-norm-heap.js'
import { maxPool2dGrad } from '../../../src/ops/kernels/max-pool2d-grad.js'
import { maxPool2dGradHeap } from '../../../src/ops/kernels/max-pool2d-grad-heap.js'
import { reluGradHeap, reluHeap } from '../../../src/ops/kernels/relu-grad-heap.js'
import { useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

/** Channel-last shapes: [M, C] features or [N, H, W, C] images, C in 1..20. */
const shapeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 3, max: 40 }), fc.integer({ min: 1, max: 20 })),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 20 })),
).filter((s) => s.reduce((a, b) => a * b) / s[s.length - 1]! >= 3)

const EPS = 1e-3

describe('SIMD batch norm, relu and max-pool grad kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm', { gradients: true })
  })

  it('batchNorm, its three gradients, batchNormInfer and channelStat match tfjs-cpu', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.constantFrom(0, 20), fc.integer({ min: 1, max: 2 ** 30 }), async (shape, offset, seed) => {
        const size = shape.reduce((a, b) => a * b)
        const c = shape[shape.length - 1]!
        const axes = shape.slice(0, -1).map((_, i) => i)
        const xs = seeded(seed, size).map((v) => offset + v * (1 + (seed % 3)))
        const dys = seeded(seed + 1, size)
        const [gs, bs, mus, vs] = [2, 3, 4, 5].map((k) => seeded(seed + k, c).map((v) => (k === 5 ? 1.5 + v : v)))
        const want = await onCpu(() => {
          const x = tf.tensor(xs, shape)
          const norm = (t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
            const { mean, variance } = tf.moments(t, axes)
            return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, EPS))), g), b)
          }
          const grads = tf.grads((t, g, b) => tf.sum(tf.mul(norm(t, g, b), tf.tensor(dys, shape))))([x, tf.tensor1d(gs!), tf.tensor1d(bs!)])
          const { mean, variance } = tf.moments(x, axes)
          return [
            norm(x, tf.tensor1d(gs!), tf.tensor1d(bs!)),
            ...grads,
            tf.add(tf.mul(tf.div(tf.sub(x, tf.tensor1d(mus!)), tf.sqrt(tf.add(tf.tensor1d(vs!), EPS))), tf.tensor1d(gs!)), tf.tensor1d(bs!)),
            mean,
            tf.mul(variance, axes.reduce((m, i) => m * shape[i]!, 1) / (axes.reduce((m, i) => m * shape[i]!, 1) - 1)),
          ]
        })
        const x = tf.tensor(xs, shape)
        const dy = tf.tensor(dys, shape)
        const [g, b, mu, v] = [gs, bs, mus, vs].map((a) => tf.tensor1d(a!))
        const got = [
          batchNormHeap(x, g!, b!, EPS),
          batchNormGradHeap(x, g!, dy, EPS, 'x'),
          batchNormGradHeap(x, g!, dy, EPS, 'gamma'),
          batchNormGradHeap(x, g!, dy, EPS, 'beta'),
          batchNormInferHeap(x, g!, b!, mu!, v!, EPS),
          channelStatHeap(x, 'mean'),
          channelStatHeap(x, 'unbiasedVar'),
        ]
        for (let i = 0; i < got.length; i++) expectClose(await got[i]!.data(), want[i]!, 2e-4)
        tf.dispose([x, dy, g!, b!, mu!, v!, ...got])
      }),
      { numRuns: 60 },
    )
  })

  it('relu and reluGrad match tfjs-cpu (odd sizes: vector tails)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 2 ** 30 }), async (size, seed) => {
        const xs = seeded(seed, size, seed % 2 === 0) // small integers: exact zeros
        const dys = seeded(seed + 1, size)
        const [wantY, wantDx] = await onCpu(() => [tf.relu(tf.tensor1d(xs)), tf.mul(tf.tensor1d(dys), tf.step(tf.tensor1d(xs)))])
        const x = tf.tensor1d(xs)
        const y = reluHeap(x)
        const dx = reluGradHeap(x, tf.tensor1d(dys))
        expectClose(await y.data(), wantY!, 0)
        expectClose(await dx.data(), wantDx!, 0)
        tf.dispose([x, y, dx])
      }),
      { numRuns: 40 },
    )
  })

  it('maxPool2dGrad matches the tfjs composition on cpu (overlapping, padded, tied windows)', async () => {
    const caseArb = fc
      .record({
        n: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 9 }),
        w: fc.integer({ min: 1, max: 9 }),
        c: fc.integer({ min: 1, max: 20 }),
        k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
        integers: fc.boolean(), // small integers: ties and all-negative windows
      })
      .filter((p) => {
        const [t, b, l, r] = p.pad
        return p.s[0] <= p.k[0] && p.s[1] <= p.k[1] && Math.max(t, b) < p.k[0] && Math.max(l, r) < p.k[1] && p.h + t + b >= p.k[0] && p.w + l + r >= p.k[1]
      })
    await fc.assert(
      fc.asyncProperty(caseArb, async (p) => {
        const [t, b, l, r] = p.pad
        const shape: [number, number, number, number] = [p.n, p.h, p.w, p.c]
        const oh = Math.floor((p.h + t + b - p.k[0]) / p.s[0]) + 1
        const ow = Math.floor((p.w + l + r - p.k[1]) / p.s[1]) + 1
        const xs = seeded(p.seed, p.n * p.h * p.w * p.c, p.integers)
        const dys = seeded(p.seed + 1, p.n * oh * ow * p.c)
        const pads: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [t, b], [l, r], [0, 0]]
        const [want] = await onCpu(() => {
          const x = tf.tensor4d(xs, shape)
          const y = tf.maxPool(tf.pad(x, pads, -Infinity), p.k, p.s, 'valid')
          return maxPool2dGrad(tf.tensor4d(dys, [p.n, oh, ow, p.c]), x, y, p.k, p.s, pads)
        })
        const got = maxPool2dGradHeap(tf.tensor4d(dys, [p.n, oh, ow, p.c]), tf.tensor4d(xs, shape), p.k, p.s, p.pad)
        expectClose(await got.data(), want!, 1e-6)
        got.dispose()
      }),
      { numRuns: 80 },
    )
  })
})

import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { avgPool2dGrad } from '../../../src/ops/kernels/avg-pool2d-grad.js'
import { maxPool2dGrad } from '../../../src/ops/kernels/max-pool2d-grad.js'
import { pooledSigmoidGrad, sigmoidGradFromOutput } from '../../../src/ops/kernels/sigmoid-grad.js'
import { softmaxCrossEntropy } from '../../../src/ops/kernels/softmax-cross-entropy.js'
import { convGeometry, type ConvPad } from '../../../src/ops/kernels/conv-geometry.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

const poolCaseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 8 }),
    w: fc.integer({ min: 1, max: 8 }),
    c: fc.integer({ min: 1, max: 3 }),
    k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.oneof(fc.constant<ConvPad>('valid'), fc.constant<ConvPad>('same'), fc.integer({ min: 0, max: 1 })),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    integers: fc.boolean(), // small integers: ties and all-negative windows
  })
  .filter((p) => {
    if (typeof p.pad === 'number' && (p.pad >= p.k[0] || p.pad >= p.k[1])) return false
    // windows that skip input (stride > window) are left out: tfjs's own pooling kernels disagree there
    // (seen: k [1, 1], s [1, 3] on cpu); the IR's pooling gradients are checked against the interpreter
    if (p.s[0] > p.k[0] || p.s[1] > p.k[1]) return false
    const g = convGeometry([p.n, p.h, p.w, p.c], p.k, p.s, p.pad, 1)
    // tfjs rounds numeric-pad output sizes (Math.round) and its kernels disagree on the
    // extra window; only exact tilings are well defined
    if (typeof p.pad === 'number') {
      const ins = [p.h, p.w], ks = p.k, ss = p.s
      if ([0, 1].some((i) => (ins[i] - ks[i] + 2 * (p.pad as number)) % ss[i] !== 0)) return false
    }
    return g.outH > 0 && g.outW > 0 && Number.isInteger(g.outH) && Number.isInteger(g.outW)
  })

describe.each(BACKENDS)('pooling and activation gradients on %s', (backend) => {
  it("avgPool2dGrad and maxPool2dGrad match tfjs-cpu's gradients", async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(poolCaseArb, async (p) => {
        const shape: [number, number, number, number] = [p.n, p.h, p.w, p.c]
        const g = convGeometry(shape, p.k, p.s, p.pad, 1)
        const dyShape: [number, number, number, number] = [p.n, g.outH, g.outW, p.c]
        const xs = seeded(p.seed, p.n * p.h * p.w * p.c, p.integers)
        const dys = seeded(p.seed + 1, p.n * g.outH * g.outW * p.c)
        const pool = (f: typeof tf.avgPool) => ((x: tf.Tensor4D) =>
          tf.sum(tf.mul(f(x, p.k, p.s, p.pad as 'same'), tf.tensor4d(dys, dyShape)))) as (x: tf.Tensor) => tf.Tensor
        // y comes from tfjs-cpu too: tfjs-wasm's own MaxPool forward misbehaves for strides larger
        // than the window (out-of-bounds writes), which is not what is under test here
        const [wantAvg, wantMax, ys] = await onCpu(() => [
          tf.grad(pool(tf.avgPool))(tf.tensor4d(xs, shape)),
          tf.grad(pool(tf.maxPool))(tf.tensor4d(xs, shape)),
          tf.maxPool(tf.tensor4d(xs, shape), p.k, p.s, p.pad as 'same'),
        ])
        const x = tf.tensor4d(xs, shape)
        const dy = tf.tensor4d(dys, dyShape)
        expectClose(await avgPool2dGrad(dy, shape, p.k, p.s, p.pad).data(), wantAvg)
        const y = tf.tensor4d(ys, dyShape)
        expectClose(await maxPool2dGrad(dy, x, y, p.k, p.s, p.pad).data(), wantMax)
      }),
      { numRuns: 40 },
    )
  })

  it('sigmoid gradients from the saved output match tf.grad(sigmoid)', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 ** 30 }), async (n, oh, seed) => {
        const shape: [number, number, number, number] = [n, 2 * oh, 2 * oh, 3]
        const size = shape.reduce((a, b) => a * b)
        const xs = seeded(seed, size).map((v) => 4 * v)
        const dps = seeded(seed + 1, size / 4)
        const [wantPlain, wantPooled] = await onCpu(() => {
          const x = tf.tensor4d(xs, shape)
          const dp = tf.tensor4d(dps, [n, oh, oh, 3])
          return [
            tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(t), tf.tensor4d(xs, shape))))(x),
            tf.grad(((t: tf.Tensor4D) => tf.sum(tf.mul(tf.avgPool(tf.sigmoid(t), 2, 2, 'valid'), dp))) as (t: tf.Tensor) => tf.Tensor)(x),
          ]
        })
        const y = tf.sigmoid(tf.tensor4d(xs, shape)) as tf.Tensor4D
        expectClose(await sigmoidGradFromOutput(y, tf.tensor4d(xs, shape)).data(), wantPlain)
        expectClose(await pooledSigmoidGrad(y, tf.tensor4d(dps, [n, oh, oh, 3]), 2, 2).data(), wantPooled)
      }),
      { numRuns: 15 },
    )
  })

  it('softmaxCrossEntropy matches tf.losses.softmaxCrossEntropy and its gradient', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 1, max: 2 ** 30 }), async (b, k, seed) => {
        const logits = seeded(seed, b * k).map((v) => 30 * v) // large: exercises stability
        const labels = Array.from(seeded(seed + 1, b), (v) => Math.floor(((v + 1) / 2) * k))
        const [wantLoss, wantGrad] = await onCpu(() => {
          const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), k)
          const f = (t: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, t)
          return [f(tf.tensor2d(logits, [b, k])), tf.grad(f)(tf.tensor2d(logits, [b, k]))]
        })
        const got = softmaxCrossEntropy(tf.tensor2d(logits, [b, k]), tf.tensor1d(labels, 'int32'))
        expectClose(await got.loss.data(), wantLoss)
        expectClose(await got.dLogits.data(), wantGrad)
      }),
      { numRuns: 25 },
    )
  })
})

/**
 * The fused gradient kernels (one heap pass on wasm) against tfjs-cpu compositions of the same math:
 * sigmoid backward + bias sums, the pooled variant in both layouts, and the HWNC filter gradient.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  conv2dFilterGrad,
  conv2dFilterGradHWNC,
  pooledSigmoidGradWithBias,
  sigmoidGradWithBias,
} from '../../../src/ops/kernels/index.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { convCaseArb, expectClose, onCpu, seeded } from './support.js'

/** dy * y * (1 - y) with dy the k x k block upsample of dp / k^2, on cpu. */
function pooledReference(y: tf.Tensor4D, dp: tf.Tensor4D, k: number): tf.Tensor4D {
  const up = tf.div(tf.image.resizeNearestNeighbor(dp, [y.shape[1], y.shape[2]]), k * k)
  return tf.mul(up, tf.mul(y, tf.sub(1, y))) as tf.Tensor4D
}

describe.each(BACKENDS)('fused gradient kernels on %s', (backend) => {
  it('pooledSigmoidGradWithBias: every layout and the bias sum match the composition', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom({ nhwc: true }, { hwnc: true }, { nhwc: true, hwnc: true }),
        async (n, oh, ow, k, c, seed, layouts) => {
          const yShape: [number, number, number, number] = [n, oh * k, ow * k, c]
          const ys = seeded(seed, n * oh * k * ow * k * c).map((v) => 0.5 + 0.49 * v)
          const dps = seeded(seed + 1, n * oh * ow * c)
          const [want, wantT, wantDb] = await onCpu(() => {
            const d = pooledReference(tf.tensor4d(ys, yShape), tf.tensor4d(dps, [n, oh, ow, c]), k)
            return [d, tf.transpose(d, [1, 2, 0, 3]), tf.sum(tf.reshape(d, [-1, c]), 0)]
          })
          const before = tf.memory().numTensors
          const y = tf.tensor4d(ys, yShape)
          const dp = tf.tensor4d(dps, [n, oh, ow, c])
          const got = pooledSigmoidGradWithBias(y, dp, k, k, layouts)
          expect(got.dx !== undefined).toBe(layouts.nhwc === true)
          expect(got.dxHWNC !== undefined).toBe('hwnc' in layouts)
          if (got.dx) expectClose(await got.dx.data(), want!)
          if (got.dxHWNC) {
            expect(got.dxHWNC.shape).toEqual([oh * k, ow * k, n, c])
            expectClose(await got.dxHWNC.data(), wantT!)
          }
          expectClose(await got.db.data(), wantDb!)
          ;[y, dp, got.dx, got.dxHWNC, got.db].forEach((t) => t?.dispose())
          expect(tf.memory().numTensors).toBe(before)
        },
      ),
      { numRuns: 20 },
    )
  })

  it('sigmoidGradWithBias matches dy * y * (1 - y) and its column sums', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 2 ** 30 }), async (b, f, seed) => {
        const ys = seeded(seed, b * f).map((v) => 0.5 + 0.49 * v)
        const dys = seeded(seed + 1, b * f)
        const [want, wantDb] = await onCpu(() => {
          const d = tf.mul(tf.tensor2d(dys, [b, f]), tf.mul(tf.tensor2d(ys, [b, f]), tf.sub(1, tf.tensor2d(ys, [b, f]))))
          return [d, tf.sum(d, 0)]
        })
        const [dz, db] = tf.tidy(() => {
          const r = sigmoidGradWithBias(tf.tensor2d(ys, [b, f]), tf.tensor2d(dys, [b, f]))
          return [r.dz, r.db]
        })
        expectClose(await dz!.data(), want!)
        expectClose(await db!.data(), wantDb!)
        dz!.dispose()
        db!.dispose()
      }),
      { numRuns: 20 },
    )
  })

  it('conv2dFilterGradHWNC equals conv2dFilterGrad on the transposed dy', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(convCaseArb, async (p) => {
        const xs = seeded(p.seed, p.n * p.h * p.w * p.ci)
        const filterShape: [number, number, number, number] = [p.kH, p.kW, p.ci, p.co]
        const g = convGeometry([p.n, p.h, p.w, p.ci], [p.kH, p.kW], p.stride, p.pad, p.dilation)
        const dyShape: [number, number, number, number] = [p.n, g.outH, g.outW, p.co]
        const dys = seeded(p.seed + 1, p.n * g.outH * g.outW * p.co)
        const [want] = await onCpu(() =>
          conv2dFilterGrad(tf.tensor4d(xs, [p.n, p.h, p.w, p.ci]), tf.tensor4d(dys, dyShape), filterShape, p.stride, p.pad, p.dilation),
        )
        const got = tf.tidy(() => {
          const x = tf.tensor4d(xs, [p.n, p.h, p.w, p.ci])
          const dy = tf.tensor4d(dys, dyShape)
          return conv2dFilterGradHWNC(x, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, filterShape, p.stride, p.pad, p.dilation)
        })
        expectClose(await got.data(), want!)
        got.dispose()
      }),
      { numRuns: 15 },
    )
  })
})

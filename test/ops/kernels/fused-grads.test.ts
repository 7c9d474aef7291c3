/**
 * The fused gradient kernels (SIMD heap passes on wasm) against tfjs-cpu compositions of the same
 * math: sigmoid backward + bias sums, the pooled variant, column sums, and the filter gradient over
 * channel counts that exercise every vector tail and block of the SIMD kernel.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { columnSums, conv2dFilterGrad, conv2dInputGrad, conv2dOneChannel, pooledSigmoidGradWithBias, poolTiles, sigmoidGradWithBias } from '../../../src/ops/kernels/index.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

/** dy * y * (1 - y) with dy the k x k block upsample of dp / k^2, on cpu. */
function pooledReference(y: tf.Tensor4D, dp: tf.Tensor4D, k: number): tf.Tensor4D {
  const up = tf.div(tf.image.resizeNearestNeighbor(dp, [y.shape[1], y.shape[2]]), k * k)
  return tf.mul(up, tf.mul(y, tf.sub(1, y))) as tf.Tensor4D
}

/** Conv cases with channel counts and kernel widths that cross the SIMD kernels' vector and block sizes. */
const wideConvArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 3, max: 9 }),
    w: fc.integer({ min: 3, max: 9 }),
    ci: fc.integer({ min: 1, max: 12 }),
    co: fc.integer({ min: 1, max: 20 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 7 }),
    stride: fc.integer({ min: 1, max: 2 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    pad: fc.constantFrom('valid' as const, 'same' as const),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .filter((c) => !(c.stride > 1 && c.dilation > 1) && convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation).outW > 0)
  .filter((c) => convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation).outH > 0)

describe.each(BACKENDS)('fused gradient kernels on %s', (backend) => {
  it('pooledSigmoidGradWithBias: dx and the bias sum match the composition', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.boolean(),
        async (n, oh, ow, k, c, seed, withDx) => {
          const yShape: [number, number, number, number] = [n, oh * k, ow * k, c]
          const ys = seeded(seed, n * oh * k * ow * k * c).map((v) => 0.5 + 0.49 * v)
          const dps = seeded(seed + 1, n * oh * ow * c)
          const [want, wantDb] = await onCpu(() => {
            const d = pooledReference(tf.tensor4d(ys, yShape), tf.tensor4d(dps, [n, oh, ow, c]), k)
            return [d, tf.sum(tf.reshape(d, [-1, c]), 0)]
          })
          const before = tf.memory().numTensors
          const y = tf.tensor4d(ys, yShape)
          const dp = tf.tensor4d(dps, [n, oh, ow, c])
          const got = pooledSigmoidGradWithBias(y, dp, k, k, withDx)
          expect(got.dx !== undefined).toBe(withDx)
          if (got.dx) expectClose(await got.dx.data(), want!)
          expectClose(await got.db.data(), wantDb!)
          ;[y, dp, got.dx, got.db].forEach((t) => t?.dispose())
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

  it('columnSums: the sum over every axis but the last', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2 ** 30 }), async (shape, seed) => {
        const xs = seeded(seed, shape.reduce((a, b) => a * b, 1))
        const f = shape[shape.length - 1]!
        const [want] = await onCpu(() => [tf.sum(tf.reshape(tf.tensor(xs, shape), [-1, f]), 0)])
        const got = tf.tidy(() => columnSums(tf.tensor(xs, shape)))
        expect(got.shape).toEqual([f])
        expectClose(await got.data(), want!)
        got.dispose()
      }),
      { numRuns: 25 },
    )
  })

  it('conv2dFilterGrad: wide channel counts and kernels (every SIMD block and tail) match the cpu composition', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(wideConvArb, async (p) => {
        const xs = seeded(p.seed, p.n * p.h * p.w * p.ci)
        const filterShape: [number, number, number, number] = [p.kH, p.kW, p.ci, p.co]
        const g = convGeometry([p.n, p.h, p.w, p.ci], [p.kH, p.kW], p.stride, p.pad, p.dilation)
        const dyShape: [number, number, number, number] = [p.n, g.outH, g.outW, p.co]
        const dys = seeded(p.seed + 1, p.n * g.outH * g.outW * p.co)
        const [want] = await onCpu(() =>
          conv2dFilterGrad(tf.tensor4d(xs, [p.n, p.h, p.w, p.ci]), tf.tensor4d(dys, dyShape), filterShape, p.stride, p.pad, p.dilation),
        )
        const before = tf.memory().numTensors
        const x = tf.tensor4d(xs, [p.n, p.h, p.w, p.ci])
        const dy = tf.tensor4d(dys, dyShape)
        const got = conv2dFilterGrad(x, dy, filterShape, p.stride, p.pad, p.dilation)
        expect(got.shape).toEqual(filterShape)
        expectClose(await got.data(), want!)
        tf.dispose([x, dy, got])
        expect(tf.memory().numTensors).toBe(before)
      }),
      { numRuns: 40 },
    )
  })

  it('conv2dInputGrad: wide channel counts and kernels (every SIMD block and tail) match the cpu composition', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(wideConvArb, async (p) => {
        const inputShape: [number, number, number, number] = [p.n, p.h, p.w, p.ci]
        const filterShape: [number, number, number, number] = [p.kH, p.kW, p.ci, p.co]
        const g = convGeometry(inputShape, [p.kH, p.kW], p.stride, p.pad, p.dilation)
        const dyShape: [number, number, number, number] = [p.n, g.outH, g.outW, p.co]
        const dys = seeded(p.seed + 1, p.n * g.outH * g.outW * p.co)
        const ws = seeded(p.seed + 2, p.kH * p.kW * p.ci * p.co)
        const [want] = await onCpu(() => conv2dInputGrad(tf.tensor4d(dys, dyShape), tf.tensor4d(ws, filterShape), inputShape, p.stride, p.pad, p.dilation))
        const before = tf.memory().numTensors
        const dy = tf.tensor4d(dys, dyShape)
        const w = tf.tensor4d(ws, filterShape)
        const got = conv2dInputGrad(dy, w, inputShape, p.stride, p.pad, p.dilation)
        expect(got.shape).toEqual(inputShape)
        expectClose(await got.data(), want!)
        tf.dispose([dy, w, got])
        expect(tf.memory().numTensors).toBe(before)
      }),
      { numRuns: 40 },
    )
  })

  it('conv2dOneChannel: act(conv + bias) on one input channel matches the cpu composition (undefined where it does not apply)', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(wideConvArb, fc.constantFrom('linear', 'relu', 'sigmoid'), fc.boolean(), async (p0, activation, withBias) => {
        const p = { ...p0, ci: 1 }
        const xs = seeded(p.seed, p.n * p.h * p.w)
        const ws = seeded(p.seed + 1, p.kH * p.kW * p.co)
        const bs = seeded(p.seed + 2, p.co)
        const conv = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | undefined) =>
          tf.fused.conv2d({ x, filter: w, strides: p.stride, pad: p.pad, dilations: p.dilation, activation, ...(b ? { bias: b } : {}) })
        const [want] = await onCpu(() => [conv(tf.tensor4d(xs, [p.n, p.h, p.w, 1]), tf.tensor4d(ws, [p.kH, p.kW, 1, p.co]), withBias ? tf.tensor1d(bs) : undefined)])
        const before = tf.memory().numTensors
        const x = tf.tensor4d(xs, [p.n, p.h, p.w, 1])
        const w = tf.tensor4d(ws, [p.kH, p.kW, 1, p.co])
        const b = withBias ? tf.tensor1d(bs) : undefined
        const got = conv2dOneChannel(x, w, p.stride, p.pad, p.dilation, b, activation)
        // the SIMD kernel runs on wasm for unit horizontal strides; everywhere else the caller's tfjs path
        expect(got !== undefined).toBe(backend === 'wasm' && p.stride === 1)
        if (got) {
          const g = convGeometry([p.n, p.h, p.w, 1], [p.kH, p.kW], p.stride, p.pad, p.dilation)
          expect(got.shape).toEqual([p.n, g.outH, g.outW, p.co])
          expectClose(await got.data(), want!)
        }
        tf.dispose([x, w, ...(b ? [b] : []), ...(got ? [got] : [])])
        expect(tf.memory().numTensors).toBe(before)
      }),
      { numRuns: 60 },
    )
  })

  it('conv2dOneChannel: vertical strides and dilations that differ per axis (the tap offsets, the rows of a 4-row block) match the cpu', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 5, max: 13 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<[[number, number], [number, number]]>([[2, 1], [1, 1]], [[3, 1], [1, 1]], [[1, 1], [2, 1]], [[1, 1], [1, 2]], [[1, 1], [3, 2]]),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (n, h, co, [strides, dilations], seed) => {
          const xs = seeded(seed, n * h * 11)
          const ws = seeded(seed + 1, 3 * 4 * co)
          const bs = seeded(seed + 2, co)
          const conv = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.fused.conv2d({ x, filter: w, strides, pad: 'same', dilations, activation: 'sigmoid', bias: b })
          const [want] = await onCpu(() => [conv(tf.tensor4d(xs, [n, h, 11, 1]), tf.tensor4d(ws, [3, 4, 1, co]), tf.tensor1d(bs))])
          const [x, w, b] = [tf.tensor4d(xs, [n, h, 11, 1]), tf.tensor4d(ws, [3, 4, 1, co]), tf.tensor1d(bs)]
          const got = conv2dOneChannel(x, w, strides, 'same', dilations, b, 'sigmoid')
          expect(got !== undefined).toBe(backend === 'wasm')
          if (got) {
            const g = convGeometry([n, h, 11, 1], [3, 4], strides, 'same', dilations)
            expect(got.shape).toEqual([n, g.outH, g.outW, co])
            expectClose(await got.data(), want!)
          }
          tf.dispose([x, w, b, ...(got ? [got] : [])])
        },
      ),
      { numRuns: 30 },
    )
  })

  it('poolTiles: mean and max of side-by-side windows match tfjs pooling (ragged edges, NaN kept by max)', async () => {
    await useBackend(backend)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (n, h, w, c, kh, kw, max, seed) => {
          fc.pre(h >= kh && w >= kw)
          const xs = seeded(seed, n * h * w * c)
          // one NaN input: max pooling propagates it to its window's output (as PyTorch's; tfjs-cpu skips it)
          const bad = seed % xs.length
          if (max) xs[bad] = Number.NaN
          const [bn, by, bx, bc] = [Math.floor(bad / (h * w * c)), Math.floor(bad / (w * c)) % h, Math.floor(bad / c) % w, bad % c]
          const [oh, ow] = [Math.floor(h / kh), Math.floor(w / kw)]
          const nanAt = max && Math.floor(by / kh) < oh && Math.floor(bx / kw) < ow ? ((bn * oh + Math.floor(by / kh)) * ow + Math.floor(bx / kw)) * c + bc : -1
          const pool = (x: tf.Tensor4D) => (max ? tf.maxPool(x, [kh, kw], [kh, kw], 'valid') : tf.avgPool(x, [kh, kw], [kh, kw], 'valid'))
          const [want] = await onCpu(() => [pool(tf.tensor4d(xs, [n, h, w, c]))])
          const x = tf.tensor4d(xs, [n, h, w, c])
          const got = poolTiles(x, [kh, kw], max)
          expect(got !== undefined).toBe(backend === 'wasm')
          if (got) {
            expect(got.shape).toEqual([n, Math.floor(h / kh), Math.floor(w / kw), c])
            const g = await got.data()
            want!.forEach((v, i) => (i === nanAt ? expect(g[i]).toBeNaN() : expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v)))))
          }
          tf.dispose([x, ...(got ? [got] : [])])
        },
      ),
      { numRuns: 60 },
    )
  })
})

/**
 * The SIMD conv2d forward over register tiles (src/ops/kernels/conv2d-tiles.ts) against tfjs' conv2d on
 * the cpu backend: random shapes, strides, dilations and paddings, channel counts across the 8-channel
 * panel tails, output widths across the 4-column tile tails, with bias and activation; and with the 2 x 2
 * average pool computed in the same pass.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { conv2dTiled, conv2dTiledPooled } from '../../../src/ops/kernels/conv2d-tiles.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { useBackend } from '../../support/backends.js'
import { convCaseArb, expectClose, onCpu, seeded } from './support.js'

const caseArb = fc.record({
  conv: convCaseArb,
  ci: fc.integer({ min: 1, max: 11 }),
  co: fc.integer({ min: 1, max: 19 }),
  bias: fc.boolean(),
  activation: fc.constantFrom('linear', 'relu', 'sigmoid'),
})

describe('SIMD conv2d tiles on wasm', () => {
  beforeAll(() => useBackend('wasm'))

  it("match tfjs' conv2d + bias + activation on the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ conv: c, ci, co, bias, activation }) => {
        const xShape: [number, number, number, number] = [c.n, c.h, c.w, ci]
        const wShape: [number, number, number, number] = [c.kH, c.kW, ci, co]
        const make = () => ({
          x: tf.tensor4d(seeded(c.seed, c.n * c.h * c.w * ci), xShape),
          w: tf.tensor4d(seeded(c.seed + 1, c.kH * c.kW * ci * co), wShape),
          b: bias ? tf.tensor1d(seeded(c.seed + 2, co)) : undefined,
        })
        const [want] = await onCpu(() => {
          const o = make()
          const y = tf.conv2d(o.x, o.w, c.stride, c.pad as 'same', 'NHWC', c.dilation)
          const z = o.b ? tf.add(y, o.b) : y
          return activation === 'relu' ? tf.relu(z) : activation === 'sigmoid' ? tf.sigmoid(z) : z
        })
        const o = make()
        const got = conv2dTiled(o.x, o.w, c.stride, c.pad, c.dilation, o.b, activation)
        const g = convGeometry(xShape, [c.kH, c.kW], c.stride, c.pad, c.dilation)
        expect(got?.shape).toEqual([c.n, g.outH, g.outW, co])
        expectClose(await got!.data(), want!)
        tf.dispose([o.x, o.w, ...(o.b ? [o.b] : []), got!])
      }),
      { numRuns: 80 },
    )
  })

  it("with the pool: the conv and its 2 x 2 average pool equal tfjs' on the cpu backend (even output sizes)", async () => {
    const even = caseArb.filter(({ conv: c }) => {
      const g = convGeometry([c.n, c.h, c.w, 1], [c.kH, c.kW], c.stride, c.pad, c.dilation)
      return g.outH % 2 === 0 && g.outW % 2 === 0
    })
    await fc.assert(
      fc.asyncProperty(even, async ({ conv: c, ci, co, bias, activation }) => {
        const make = () => ({
          x: tf.tensor4d(seeded(c.seed, c.n * c.h * c.w * ci), [c.n, c.h, c.w, ci]),
          w: tf.tensor4d(seeded(c.seed + 1, c.kH * c.kW * ci * co), [c.kH, c.kW, ci, co]),
          b: bias ? tf.tensor1d(seeded(c.seed + 2, co)) : undefined,
        })
        const [wantY, wantP] = await onCpu(() => {
          const o = make()
          const z0 = tf.conv2d(o.x, o.w, c.stride, c.pad as 'same', 'NHWC', c.dilation)
          const z = o.b ? tf.add(z0, o.b) : z0
          const y = (activation === 'relu' ? tf.relu(z) : activation === 'sigmoid' ? tf.sigmoid(z) : z) as tf.Tensor4D
          return [y, tf.avgPool(y, 2, 2, 'valid')]
        })
        const o = make()
        const got = conv2dTiledPooled(o.x, o.w, c.stride, c.pad, c.dilation, o.b, activation)
        expect(got).toBeDefined()
        expectClose(await got![0].data(), wantY!)
        expectClose(await got![1].data(), wantP!)
        tf.dispose([o.x, o.w, ...(o.b ? [o.b] : []), ...got!])
      }),
      { numRuns: 60 },
    )
  })

  it('declines what it does not compute, so the caller runs tfjs', () => {
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D
    const w = tf.ones([3, 3, 2, 4]) as tf.Tensor4D
    expect(conv2dTiled(x, w, 1, 'valid', 1, undefined, 'tanh')).toBeUndefined()
    expect(conv2dTiled(x, w, 1, 'valid', 1, tf.ones([3]), 'linear')).toBeUndefined()
    expect(conv2dTiled(tf.ones([1, 5, 5, 2], 'int32') as tf.Tensor4D, w, 1, 'valid', 1, undefined, 'linear')).toBeUndefined()
    // an odd output (3 x 3) has no whole 2 x 2 windows to pool
    expect(conv2dTiledPooled(x, w, 1, 'valid', 1, undefined, 'linear')).toBeUndefined()
  })
})

import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { conv2dFilterGrad } from '../../../src/ops/kernels/conv2d-filter-grad.js'
import { conv2dInputGrad } from '../../../src/ops/kernels/conv2d-input-grad.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { convCaseArb, expectClose, onCpu, referenceConvGrads, seeded, type ConvCase } from './support.js'

function operands(c: ConvCase) {
  const g = convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation)
  const xShape: [number, number, number, number] = [c.n, c.h, c.w, c.ci]
  const wShape: [number, number, number, number] = [c.kH, c.kW, c.ci, c.co]
  const dyShape: [number, number, number, number] = [c.n, g.outH, g.outW, c.co]
  const x = seeded(c.seed, c.n * c.h * c.w * c.ci)
  const w = seeded(c.seed + 1, c.kH * c.kW * c.ci * c.co)
  const dy = seeded(c.seed + 2, c.n * g.outH * g.outW * c.co)
  return { xShape, wShape, dyShape, x, w, dy }
}

describe.each(BACKENDS)('conv2d gradients as forward convs on %s', (backend) => {
  it('match the definition for random shapes, strides, paddings and dilations', async () => {
    await useBackend(backend, { gradients: true })
    await fc.assert(
      fc.asyncProperty(convCaseArb, async (c) => {
        const o = operands(c)
        const [wantDx, wantDw] = referenceConvGrads(c, o.x, o.w, o.dy)
        const dy = tf.tensor4d(o.dy, o.dyShape)
        const dw = conv2dFilterGrad(tf.tensor4d(o.x, o.xShape), dy, o.wShape, c.stride, c.pad, c.dilation)
        const dx = conv2dInputGrad(dy, tf.tensor4d(o.w, o.wShape), o.xShape, c.stride, c.pad, c.dilation)
        expectClose(await dw.data(), wantDw)
        expectClose(await dx.data(), wantDx)
        tf.disposeVariables()
        tf.dispose([dy, dw, dx])
      }),
      { numRuns: 60 },
    )
  })

  it('filter grad: batches of small images (passes of several whole images per register tile) match the definition', async () => {
    await useBackend(backend, { gradients: true })
    const cases = fc
      .record({
        n: fc.integer({ min: 16, max: 40 }),
        h: fc.integer({ min: 2, max: 8 }),
        w: fc.integer({ min: 2, max: 8 }),
        ci: fc.integer({ min: 1, max: 7 }),
        co: fc.integer({ min: 1, max: 21 }),
        kH: fc.integer({ min: 1, max: 3 }),
        kW: fc.integer({ min: 1, max: 5 }),
        stride: fc.constantFrom<[number, number]>([1, 1], [2, 1], [1, 2]),
        dilation: fc.constantFrom<[number, number]>([1, 1]),
        pad: fc.constantFrom<ConvCase['pad']>('valid', 'same'),
        seed: fc.integer({ min: 1, max: 2 ** 30 }),
      })
      .filter((c) => {
        const g = convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation)
        return g.outH > 0 && g.outW > 0
      })
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const o = operands(c)
        const [, wantDw] = referenceConvGrads(c, o.x, o.w, o.dy)
        const dw = conv2dFilterGrad(tf.tensor4d(o.x, o.xShape), tf.tensor4d(o.dy, o.dyShape), o.wShape, c.stride, c.pad, c.dilation)
        expectClose(await dw.data(), wantDw)
        tf.disposeVariables()
        tf.dispose(dw)
      }),
      { numRuns: 25 },
    )
  })

  it("match tfjs' own gradients (cpu backend) when dilation is 1", async () => {
    await useBackend(backend, { gradients: true })
    // tfjs's own backprop kernels fail ("Size(12) must match the product of shape 4,1,1,1") when the kernel is
    // larger than the unpadded input; the loop-by-definition test above covers those cases.
    const cases = convCaseArb.filter((c) => c.dilation[0] === 1 && c.dilation[1] === 1 && c.kH <= c.h && c.kW <= c.w)
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const o = operands(c)
        const [wantDx, wantDw] = await onCpu(() =>
          tf.grads(((x: tf.Tensor4D, w: tf.Tensor4D) =>
            tf.sum(tf.mul(tf.conv2d(x, w, c.stride, c.pad as 'same'), tf.tensor4d(o.dy, o.dyShape)))) as (...a: tf.Tensor[]) => tf.Tensor,
          )([tf.tensor4d(o.x, o.xShape), tf.tensor4d(o.w, o.wShape)]),
        )
        const dy = tf.tensor4d(o.dy, o.dyShape)
        const dw = conv2dFilterGrad(tf.tensor4d(o.x, o.xShape), dy, o.wShape, c.stride, c.pad)
        const dx = conv2dInputGrad(dy, tf.tensor4d(o.w, o.wShape), o.xShape, c.stride, c.pad)
        expectClose(await dw.data(), wantDw)
        expectClose(await dx.data(), wantDx)
      }),
      { numRuns: 40 },
    )
  })
})

describe.each(BACKENDS)('conv2d input gradient over wider channel counts and batches on %s', (backend) => {
  // The SIMD kernel takes four images at a time (in pairs of input channels) when the width has stride and
  // dilation 1 and Co % 4 == 0, else (and for the last 1-3 images) one image at a time (groups of up to 8
  // input channels): batches past 4 with remainders, odd and large Ci, Co both multiples of 4 and not reach
  // every path.
  const wide = fc
    .tuple(convCaseArb, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 11 }), fc.constantFrom(1, 3, 4, 6, 8, 12, 16, 18))
    .map(([c, n, ci, co]): ConvCase => ({ ...c, n, ci, co }))

  it('matches the definition', async () => {
    await useBackend(backend, { gradients: true })
    const check = async (c: ConvCase) => {
      const o = operands(c)
      const [wantDx] = referenceConvGrads(c, o.x, o.w, o.dy)
      const dy = tf.tensor4d(o.dy, o.dyShape)
      const w = tf.tensor4d(o.w, o.wShape)
      const dx = conv2dInputGrad(dy, w, o.xShape, c.stride, c.pad, c.dilation)
      expectClose(await dx.data(), wantDx)
      tf.dispose([dy, w, dx])
    }
    // LeNet's second conv
    await check({ n: 6, h: 14, w: 14, ci: 6, co: 16, kH: 5, kW: 5, stride: [1, 1], dilation: [1, 1], pad: 'valid', seed: 7 })
    await fc.assert(fc.asyncProperty(wide, check), { numRuns: 60 })
  })
})

/**
 * TYPEGRAD_SIMD_FMA=0 keeps the kernels' separate multiply and add (kernels-shared.wasm rather than its
 * -fma twin, which every other test file runs): the plain binaries stay correct, and the switch works.
 * The module is chosen once per process, when the wasm backend is initialised (or the first kernel loads):
 * this file sets the variable first.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { conv2dFilterGrad } from '../../../src/ops/kernels/conv2d-filter-grad.js'
import { conv2dInputGrad } from '../../../src/ops/kernels/conv2d-input-grad.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { simdFma } from '../../../src/ops/kernels/simd/module.js'
import { useBackend } from '../../support/backends.js'
import { convCaseArb, expectClose, referenceConvGrads, seeded } from './support.js'

describe('SIMD kernels without fused multiply-adds', () => {
  beforeAll(async () => {
    process.env['TYPEGRAD_SIMD_FMA'] = '0'
    await useBackend('wasm', { gradients: true })
  })

  it('run the plain binaries, and the conv gradients still match the definition', async () => {
    expect(simdFma()).toBe(false)
    await fc.assert(
      fc.asyncProperty(convCaseArb, async (c) => {
        const g = convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation)
        const x = seeded(c.seed, c.n * c.h * c.w * c.ci)
        const w = seeded(c.seed + 1, c.kH * c.kW * c.ci * c.co)
        const dyValues = seeded(c.seed + 2, c.n * g.outH * g.outW * c.co)
        const [wantDx, wantDw] = referenceConvGrads(c, x, w, dyValues)
        const dy = tf.tensor4d(dyValues, [c.n, g.outH, g.outW, c.co])
        const dw = conv2dFilterGrad(tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), dy, [c.kH, c.kW, c.ci, c.co], c.stride, c.pad, c.dilation)
        const dx = conv2dInputGrad(dy, tf.tensor4d(w, [c.kH, c.kW, c.ci, c.co]), [c.n, c.h, c.w, c.ci], c.stride, c.pad, c.dilation)
        expectClose(await dw.data(), wantDw)
        expectClose(await dx.data(), wantDx)
        tf.dispose([dy, dw, dx])
      }),
      { numRuns: 30 },
    )
    expect(simdFma()).toBe(false)
  })
})

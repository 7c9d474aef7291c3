/**
 * The one-channel conv with its 2 x 2 average pool in the same pass (conv2dOneChannelPooled): both
 * outputs equal tfjs's conv2d + bias + activation and avgPool on the cpu backend, for random even output
 * sizes, vertical strides, dilations, paddings and channel counts; odd output sizes are declined.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { conv2dOneChannelPooled } from '../../../src/ops/kernels/conv2d-one-channel.js'
import { convGeometry } from '../../../src/ops/kernels/conv-geometry.js'
import { useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 5 }),
    h: fc.integer({ min: 2, max: 14 }),
    w: fc.integer({ min: 2, max: 14 }),
    co: fc.integer({ min: 1, max: 9 }),
    k: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 2 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    pad: fc.constantFrom('valid', 'same'),
    activation: fc.constantFrom('linear', 'relu', 'sigmoid'),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .filter((c) => {
    if (c.sh > 1 && c.dilation > 1) return false
    const g = convGeometry([c.n, c.h, c.w, 1], [c.k, c.k], [c.sh, 1], c.pad as 'valid', c.dilation)
    return g.outH > 0 && g.outW > 0 && g.outH % 2 === 0 && g.outW % 2 === 0
  })

describe('one-channel conv with its average pool on wasm', () => {
  beforeAll(() => useBackend('wasm'))

  it("equals tfjs' conv2d + bias + activation and avgPool on the cpu backend", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const make = () => ({
          x: tf.tensor4d(seeded(c.seed, c.n * c.h * c.w), [c.n, c.h, c.w, 1]),
          w: tf.tensor4d(seeded(c.seed + 1, c.k * c.k * c.co), [c.k, c.k, 1, c.co]),
          b: tf.tensor1d(seeded(c.seed + 2, c.co)),
        })
        const [wantY, wantP] = await onCpu(() => {
          const o = make()
          const z = tf.add(tf.conv2d(o.x, o.w, [c.sh, 1], c.pad as 'valid', 'NHWC', c.dilation), o.b)
          const y = (c.activation === 'relu' ? tf.relu(z) : c.activation === 'sigmoid' ? tf.sigmoid(z) : z) as tf.Tensor4D
          return [y, tf.avgPool(y, 2, 2, 'valid')]
        })
        const o = make()
        const got = conv2dOneChannelPooled(o.x, o.w, [c.sh, 1], c.pad as 'valid', c.dilation, o.b, c.activation)
        expect(got).toBeDefined()
        expectClose(await got![0].data(), wantY!)
        expectClose(await got![1].data(), wantP!)
        tf.dispose([o.x, o.w, o.b, ...got!])
      }),
      { numRuns: 60 },
    )
  })

  it('declines odd output sizes (the caller pools on its own)', () => {
    const x = tf.ones([1, 5, 6, 1]) as tf.Tensor4D
    const w = tf.ones([1, 1, 1, 2]) as tf.Tensor4D
    expect(conv2dOneChannelPooled(x, w, 1, 'valid', 1, undefined, 'linear')).toBeUndefined()
    tf.dispose([x, w])
  })
})

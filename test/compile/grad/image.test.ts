/**
 * Gradients of conv2d, fusedConv2d and pooling (autodiff + interpreter) against tfjs tape gradients,
 * property-tested over shapes, strides, explicit and 'same' (asymmetric) pads, dilations and both layouts.
 * tfjs cannot differentiate dilated convs, so the reference convolves with a zero-dilated filter instead;
 * tfjs's AvgPoolGrad counts padding, so the avgPool reference is sum-pool / window count.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, it } from 'vitest'
import { pad4 } from '../../../src/dsl/layers/config.js'
import { mk } from '../../../src/dsl/node.js'
import type { Activation, Layout, Pad4 } from '../../../src/dsl/ops.js'
import { checkGrads, rand, useCpu } from '../support.js'

beforeAll(useCpu)

const runs = { numRuns: 12 }
type P = [number, number]
const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }))
const tfPad = (p: Pad4): [[number, number], [number, number], [number, number], [number, number]] => [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]]
const nhwc = (x: tf.Tensor, l: Layout) => (l === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D
const back = (x: tf.Tensor, l: Layout) => (l === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x)
const hwio = (f: tf.Tensor, l: Layout) => (l === 'NCHW' ? tf.transpose(f, [2, 3, 1, 0]) : f) as tf.Tensor4D
const imageShape = (n: number, c: number, h: number, w: number, l: Layout) => (l === 'NCHW' ? [n, c, h, w] : [n, h, w, c])
const filterShape = (o: number, i: number, kh: number, kw: number, l: Layout) => (l === 'NCHW' ? [o, i, kh, kw] : [kh, kw, i, o])

/** Zero-inserts a HWIO filter along H and W: conv with it at dilation 1 = conv with f at dilation d. */
const dilate = (f: tf.Tensor4D, [dh, dw]: P): tf.Tensor4D => {
  const along = (t: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D => {
    if (d === 1) return t
    const pads: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
    pads[axis + 1] = [0, d - 1]
    const shape = [...t.shape] as number[]
    shape[axis] *= d
    const size = [...t.shape] as number[]
    size[axis] = (t.shape[axis] - 1) * d + 1
    return tf.slice(tf.reshape(tf.pad(tf.expandDims(t, axis + 1), pads), shape), [0, 0, 0, 0], size) as tf.Tensor4D
  }
  return along(along(f, 0, dh), 1, dw)
}

const convCase = fc
  .record({
    layout: fc.constantFrom<Layout>('NCHW', 'NHWC'),
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    o: fc.integer({ min: 1, max: 3 }),
    hw: pair(3, 8),
    k: pair(1, 3),
    s: pair(1, 3),
    d: pair(1, 2),
    same: fc.boolean(),
    pad: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    activation: fc.constantFrom<Activation>('linear', 'relu', 'sigmoid', 'tanh'),
    seed: fc.nat(1000),
  })
  .map((r) => ({ ...r, pad: r.same ? pad4('same', r.k, r.s, r.d, r.hw[0], r.hw[1]) : (r.pad as Pad4) }))
  .filter((r) => [0, 1].every((i) => r.d[i]! * (r.k[i]! - 1) + 1 <= r.hw[i]! + r.pad[2 * i]! + r.pad[2 * i + 1]!))

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never
const convRef = (r: ConvCase, x: tf.Tensor, f: tf.Tensor) =>
  back(tf.conv2d(nhwc(x, r.layout), dilate(hwio(f, r.layout), r.d), r.s, tfPad(r.pad), 'NHWC', 1), r.layout)
const convOperands = (r: ConvCase) => {
  const xs = imageShape(r.n, r.c, r.hw[0], r.hw[1], r.layout)
  const fs = filterShape(r.o, r.c, r.k[0], r.k[1], r.layout)
  return [{ shape: xs, value: rand(xs, r.seed) }, { shape: fs, value: rand(fs, r.seed + 7) }]
}
const attrs = (r: ConvCase) => ({ strides: r.s, pad: r.pad, dilations: r.d, layout: r.layout })

describe('conv2d gradients', () => {
  it('match tfjs tape gradients (input and filter)', () => {
    fc.assert(
      fc.property(convCase, (r) =>
        checkGrads(convOperands(r), ([x, f]) => mk('conv2d', [x!, f!], attrs(r)), ([x, f]) => convRef(r, x!, f!)),
      ),
      runs,
    )
  })

  it('of fusedConv2d (bias + activation) match tfjs tape gradients', () => {
    fc.assert(
      fc.property(convCase, (r) => {
        const bias = { shape: [r.o], value: rand([r.o], r.seed + 3) }
        const act = (t: tf.Tensor) => (r.activation === 'linear' ? t : tf[r.activation](t))
        const biasShape = r.layout === 'NCHW' ? [1, r.o, 1, 1] : [r.o]
        checkGrads(
          [...convOperands(r), bias],
          ([x, f, b]) => mk('fusedConv2d', [x!, f!, b!], { ...attrs(r), activation: r.activation }),
          ([x, f, b]) => act(tf.add(convRef(r, x!, f!), tf.reshape(b!, biasShape))),
        )
      }),
      runs,
    )
  })
})

const poolCase = fc
  .record({
    layout: fc.constantFrom<Layout>('NCHW', 'NHWC'),
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    hw: pair(3, 7),
    k: pair(1, 3),
    s: pair(1, 3),
    padFrac: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    seed: fc.nat(1000),
  })
  .map((r) => ({ ...r, pad: r.padFrac.map((p, i) => Math.min(p, r.k[i < 2 ? 0 : 1]! - 1)) as unknown as Pad4 }))

describe('pooling gradients', () => {
  it('of avgPool2d (padding not counted) match tfjs tape gradients of sum-pool / count', () => {
    fc.assert(
      fc.property(poolCase, (r) => {
        const xs = imageShape(r.n, r.c, r.hw[0], r.hw[1], r.layout)
        const windowSum = (t: tf.Tensor) => tf.mul(tf.avgPool(tf.pad(t, tfPad(r.pad)) as tf.Tensor4D, r.k, r.s, 'valid'), r.k[0] * r.k[1])
        const count = windowSum(tf.ones([1, r.hw[0], r.hw[1], 1]))
        checkGrads(
          [{ shape: xs, value: rand(xs, r.seed) }],
          ([x]) => mk('avgPool2d', [x!], { kernel: r.k, strides: r.s, pad: r.pad, layout: r.layout }),
          ([x]) => back(tf.div(windowSum(nhwc(x!, r.layout)), count), r.layout),
        )
      }),
      runs,
    )
  })

  it('of maxPool2d match tfjs tape gradients', () => {
    fc.assert(
      fc.property(poolCase, (r) => {
        const xs = imageShape(r.n, r.c, r.hw[0], r.hw[1], r.layout)
        checkGrads(
          [{ shape: xs, value: rand(xs, r.seed) }],
          ([x]) => mk('maxPool2d', [x!], { kernel: r.k, strides: r.s, pad: r.pad, layout: r.layout }),
          ([x]) => back(tf.maxPool(nhwc(x!, r.layout), r.k, r.s, tfPad(r.pad)), r.layout),
        )
      }),
      runs,
    )
  })
})

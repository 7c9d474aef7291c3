/**
 * The runtime shape rules agree with the closed-form formulas and with the shapes tfjs actually produces,
 * for random conv/pool/linear/broadcast configurations.
 */
import '@tensorflow/tfjs-backend-cpu'
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { F, avgPool2d, conv2d, input, linear, maxPool2d } from '../../src/dsl/index.js'
import type { RShape } from '../../src/dsl/shape.js'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const windowOut = (size: number, k: number, s: number, p: number, d: number) => Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1
const shapeOf = (r: E.Either<Error, RShape>) => (E.isRight(r) ? [...r.right] : undefined)
// fast-check configs are plain numbers; layer constructors want literals at the type level only.
const anyConv = conv2d as unknown as (i: number, o: number, c: object) => { outShape(s: RShape): E.Either<Error, RShape> }
const anyPool = (kind: 'avg' | 'max') =>
  (kind === 'avg' ? avgPool2d : maxPool2d) as unknown as (c: object) => { outShape(s: RShape): E.Either<Error, RShape> }
const anyLinear = linear as unknown as (i: number, o: number) => { outShape(s: RShape): E.Either<Error, RShape> }

describe('conv2d', () => {
  const cfg = fc.record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 14 }), w: fc.integer({ min: 1, max: 14 }), k: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 2 }), d: fc.integer({ min: 1, max: 2 }),
  })
  it('matches the formula, and rejects kernels larger than the padded input', () => {
    fc.assert(
      fc.property(cfg, ({ n, c, o, h, w, k, s, p, d }) => {
        const got = shapeOf(anyConv(c, o, { kernel: k, stride: s, padding: p, dilation: d }).outShape([n, c, h, w]))
        const [oh, ow] = [windowOut(h, k, s, p, d), windowOut(w, k, s, p, d)]
        const fits = d * (k - 1) + 1 <= Math.min(h, w) + 2 * p
        expect(got).toEqual(fits ? [n, o, oh, ow] : undefined)
      }),
    )
  })
  it('matches tfjs conv2d output shapes (explicit and same padding)', () => {
    fc.assert(
      fc.property(cfg, fc.boolean(), ({ n, c, o, h, w, k, s, p, d }, same) => {
        fc.pre(s === 1 || d === 1) // tfjs: strides or dilations must be 1
        const layer = anyConv(c, o, { kernel: k, stride: s, padding: same ? 'same' : p, dilation: d })
        const ours = shapeOf(layer.outShape([n, c, h, w]))
        fc.pre(ours !== undefined)
        const pad = same ? 'same' : ([[0, 0], [p, p], [p, p], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]])
        const y = tf.tidy(() => tf.conv2d(tf.zeros([n, h, w, c]) as tf.Tensor4D, tf.zeros([k, k, c, o]) as tf.Tensor4D, s, pad, 'NHWC', d))
        const [tn, th, tw, tc] = y.shape
        y.dispose()
        expect(ours).toEqual([tn, tc, th, tw])
      }),
      { numRuns: 60 },
    )
  })
  it('rejects a wrong channel count with the type-level text', () => {
    const r = anyConv(3, 6, { kernel: 5 }).outShape([1, 1, 28, 28])
    expect(E.isLeft(r) && r.left.message).toBe('ShapeError: conv2d expects 3 input channels but got 1')
  })
})

describe('pooling', () => {
  it('matches the formula and tfjs avgPool/maxPool', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 12 }),
          w: fc.integer({ min: 1, max: 12 }), k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }),
          kind: fc.constantFrom('avg' as const, 'max' as const),
        }),
        ({ n, c, h, w, k, s, kind }) => {
          const ours = shapeOf(anyPool(kind)({ kernel: k, stride: s }).outShape([n, c, h, w]))
          if (k > Math.min(h, w)) {
            expect(ours).toBeUndefined()
            return
          }
          expect(ours).toEqual([n, c, windowOut(h, k, s, 0, 1), windowOut(w, k, s, 0, 1)])
          const x = tf.zeros([n, h, w, c]) as tf.Tensor4D
          const y = kind === 'avg' ? tf.avgPool(x, k, s, 'valid') : tf.maxPool(x, k, s, 'valid')
          expect(ours).toEqual([y.shape[0], y.shape[3], y.shape[1], y.shape[2]])
          tf.dispose([x, y])
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('linear', () => {
  it('maps [..., I] to [..., O] and names both sizes on a mismatch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), (n, i, f, o) => {
        const r = anyLinear(i, o).outShape([n, f])
        if (i === f) {
          const y = tf.tidy(() => tf.matMul(tf.zeros([n, f]), tf.zeros([o, i]), false, true))
          expect(shapeOf(r)).toEqual(y.shape)
          y.dispose()
        } else expect(E.isLeft(r) && r.left.message).toBe(`ShapeError: linear expects ${i} input features but got ${f}`)
      }),
    )
  })
})

describe('broadcasting', () => {
  const dims = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 })
  it('agrees with tfjs add on random shapes (result or failure)', () => {
    fc.assert(
      fc.property(dims, dims, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), (a, b0, ones) => {
        const b = b0.map((d, i) => (ones[i] ? 1 : d))
        let ours: RShape | undefined
        try {
          ours = F.add(input('a', a), input('b', b) as never).shape as RShape
        } catch (e) {
          expect((e as Error).message).toMatch(/^ShapeError: add cannot broadcast/)
        }
        let theirs: number[] | undefined
        try {
          const y = tf.add(tf.zeros(a), tf.zeros(b))
          theirs = y.shape
          y.dispose()
        } catch {
          theirs = undefined
        }
        expect(ours).toEqual(theirs)
      }),
    )
  })
})

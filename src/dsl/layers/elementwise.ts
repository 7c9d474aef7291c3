/** Parameter-free layers that keep the shape: activations, softmax, dropout. */
import * as E from 'fp-ts/lib/Either.js'
import type { IdentityFn } from '../../types/fn.js'
import type { AxisFn } from '../../types/rules/misc.js'
import { type Layer, defineLayer, layerError } from '../layer.js'
import { mk } from '../node.js'
import { normAxis, showShape } from '../shape.js'

/** A parameter-free layer that keeps its input's shape. */
export type Elementwise = Layer<IdentityFn, Record<never, never>>

const unary = (kind: string, op: 'sigmoid' | 'relu' | 'tanh'): Elementwise =>
  defineLayer({ kind, describe: `${kind}()`, params: {}, outShape: E.right, build: (x) => mk(op, [x], {}) })

/**
 * Logistic sigmoid, elementwise: S -> S.
 * @example sequential(input, linear(400, 120), sigmoid())
 */
export const sigmoid = (): Elementwise => unary('Sigmoid', 'sigmoid')
/**
 * max(x, 0), elementwise: S -> S.
 * @example sequential(input, conv2d(1, 6, { kernel: 5 }), relu())
 */
export const relu = (): Elementwise => unary('ReLU', 'relu')
/**
 * Hyperbolic tangent, elementwise: S -> S.
 * @example sequential(input, linear(4, 4), tanh())
 */
export const tanh = (): Elementwise => unary('Tanh', 'tanh')

const axisLayer = <A extends number>(kind: string, op: 'softmax' | 'logSoftmax', axis: A): Layer<AxisFn<typeof op, A>, Record<never, never>> =>
  defineLayer({
    kind,
    describe: `${kind}(dim=${axis})`,
    params: {},
    outShape: (x) => (normAxis(axis, x.length) === undefined ? layerError(op, `${op} axis ${axis} out of range for ${showShape(x)}`, x) : E.right(x)),
    build: (x) => mk(op, [x], { axis }),
  })

/**
 * Softmax along `axis` (default -1): S -> S, rows sum to 1.
 * @example sequential(input, linear(84, 10), softmax())
 */
export const softmax = <const A extends number = -1>(axis: A = -1 as A) => axisLayer<A>('Softmax', 'softmax', axis)
/**
 * log(softmax(x)) along `axis` (default -1), computed stably: S -> S.
 * @example sequential(input, linear(84, 10), logSoftmax())
 */
export const logSoftmax = <const A extends number = -1>(axis: A = -1 as A) => axisLayer<A>('LogSoftmax', 'logSoftmax', axis)

/**
 * Inverted dropout with probability `rate`: S -> S. In training each step draws a fresh mask (from the
 * step's key and the layer's place in the model); `evaluate` and `predict` run the identity.
 * @example sequential(input, linear(120, 84), relu(), dropout(0.5))
 */
export const dropout = (rate: number): Elementwise =>
  defineLayer({
    kind: 'Dropout',
    describe: `Dropout(p=${rate})`,
    params: {},
    outShape: (x) => (rate < 0 || rate >= 1 ? layerError('dropout', `dropout rate must be in [0, 1) but got ${rate}`, x) : E.right(x)),
    build: (x, _p, stream) => mk('dropout', [x], { rate, stream }),
  })

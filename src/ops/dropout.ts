/**
 * Inverted dropout (training form; the inference form is the identity). The mask is a pure function of
 * the call's key (a training step passes `foldIn(runKey, step)`) and the layer's `stream` (its place in
 * the model): element i of an n-element input is kept, scaled by 1 / (1 - rate), when
 * uniform(foldIn(key, stream), n)[i] >= rate (`dropoutScale`). So every step draws a fresh mask, a node
 * and its gradient (dropout of dy) share it, and a rerun reproduces it. Identity when rate is 0.
 *
 * The mask is drawn in the model's own element order, so the layout pass leaves dropout in the original
 * layout.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { mk } from '../ir/node.js'
import { type Key, foldIn, uniform } from '../ir/random.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { asWritten, noFold } from './shared/rewrites.js'
import { sameAsInput, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    dropout: { readonly rate: number; readonly stream: string }
  }
}

/**
 * The dropout multiplier for `n` elements: 0 where dropped, 1 / (1 - rate) where kept, a pure function
 * of (key, stream, rate, n) that every backend reproduces.
 *
 * @example
 * dropoutScale(key(7), '3', 0.5, 4) // e.g. Float32Array [2, 0, 0, 2]
 */
export const dropoutScale = (k: Key, stream: string, rate: number, n: number): Float32Array => {
  const u = uniform(foldIn(k, stream), n)
  return u.map((v) => (v >= rate ? 1 / (1 - rate) : 0))
}

/**
 * dropout.
 * @example mk('dropout', [h], { rate: 0.5, stream: 'dropout0' })
 */
export const dropoutOps = {
  dropout: {
    shape: (i, a) => (a.rate < 0 || a.rate >= 1 ? shapeError('dropout', `dropout rate must be in [0, 1) but got ${a.rate}`) : sameAsInput(i, a)),
    // linear in x: the gradient is dropout of dy with the same attrs, hence the same mask
    grad: (y, dy) => [mk('dropout', [dy], y.attrs)],
    eval: ([x], a, ctx) => (a.rate === 0 ? x! : tf.mul(x!, tf.tensor(dropoutScale(ctx.key(), a.stream, a.rate, x!.size), x!.shape))),
    // the mask is drawn on the host, as tf.randomUniform does, from the step's key: one upload per step
    lower: ([x], a, ctx) =>
      a.rate === 0
        ? x!
        : tf.mul(x!, ctx.perCall(`dropout:${a.stream}:${a.rate}:${x!.shape}`, () => tf.tensor(dropoutScale(ctx.key(), a.stream, a.rate, x!.size), x!.shape))),
    layout: inOriginalLayout,
    // its mask is random
    fold: noFold,
    simplify: (n) => (n.attrs.rate === 0 ? n.inputs[0] : undefined),
    canonical: asWritten,
    onnx: (ins, _a, cx) => E.right(cx.b.op('Identity', [ins[0]!])),
    inference: (_n, ins) => ins[0],
  },
} satisfies OpFamily<'dropout'>

/**
 * softmax and logSoftmax along `axis` (S -> S; log(softmax) computed stably). tfjs's kernels work on the
 * last axis only, so another axis is transposed there and back.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { normAxis, showShape } from '../ir/shape.js'
import { mul, sub, sum } from './shared/grad.js'
import type { OpImpl, OpFamily } from './shared/impl.js'
import { axisLayout } from './shared/layout.js'
import { attr } from './shared/onnx.js'
import { canonicalAxis, fillLike, noSimplify, reducedCount } from './shared/rewrites.js'
import { arity, ok, shapeError } from './shared/shape-rules.js'
import { axesOf } from './shared/tensors.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    softmax: { readonly axis: number }
    logSoftmax: { readonly axis: number }
  }
}

/** The reference softmax (shifted by the max, so large logits do not overflow). @example softmaxOf(logits, 1) */
export const softmaxOf = (x: tf.Tensor, axis: number): tf.Tensor => {
  const e = tf.exp(tf.sub(x, tf.max(x, axis, true)))
  return tf.div(e, tf.sum(e, axis, true))
}
/** The reference logSoftmax. @example logSoftmaxOf(logits, 1) */
export const logSoftmaxOf = (x: tf.Tensor, axis: number): tf.Tensor => {
  const z = tf.sub(x, tf.max(x, axis, true))
  return tf.sub(z, tf.log(tf.sum(tf.exp(z), axis, true)))
}

/** `f` (a last-axis kernel) along `axis`: the axis swapped with the last one, and back. */
const alongAxis = (x: tf.Tensor, axis: number, f: (x: tf.Tensor) => tf.Tensor): tf.Tensor => {
  const ax = axesOf([axis], x.rank)[0]!
  if (ax === x.rank - 1) return f(x)
  const perm = x.shape.map((_, i) => i)
  perm[ax] = x.rank - 1
  perm[x.rank - 1] = ax
  return tf.transpose(f(tf.transpose(x, perm)), perm)
}

const axisOp = <O extends 'softmax' | 'logSoftmax'>(
  op: O,
  spec: Pick<OpImpl<O>, 'grad'> & { readonly reference: (x: tf.Tensor, axis: number) => tf.Tensor; readonly kernel: (x: tf.Tensor) => tf.Tensor; readonly ofConstant: (size: number) => number },
): OpImpl<O> => ({
  shape: (inputs, a) =>
    pipe(
      arity(op, inputs, 1),
      E.chain(([x]) => (normAxis(a.axis, x!.shape.length) === undefined ? shapeError(op, `${op} axis ${a.axis} out of range for ${showShape(x!.shape)}`, x!.shape) : ok(x!.shape))),
    ),
  grad: spec.grad,
  eval: ([x], a) => spec.reference(x!, axesOf([a.axis], x!.rank)[0]!),
  lower: ([x], a) => alongAxis(x!, a.axis, spec.kernel),
  layout: axisLayout(true),
  // of a constant: uniform over the axis
  fold: (n) => {
    const size = reducedCount(n.inputs[0]!.shape, [n.attrs.axis])
    return size === undefined ? undefined : fillLike(n, spec.ofConstant(size))
  },
  simplify: noSimplify,
  canonical: canonicalAxis,
  onnx: (ins, a, cx) => E.right(cx.b.op(op === 'softmax' ? 'Softmax' : 'LogSoftmax', ins, { axis: attr.int(a.axis) })),
})

/**
 * softmax and logSoftmax.
 * @example mk('softmax', [logits], { axis: -1 }) // rows sum to 1
 */
export const softmaxOps = {
  // dx = y * (dy - sum(dy * y, axis))
  softmax: axisOp('softmax', {
    grad: (y, dy) => [mul(y, sub(dy, sum(mul(dy, y), [y.attrs.axis], true)))],
    reference: softmaxOf,
    kernel: (t) => tf.softmax(t),
    ofConstant: (size) => 1 / size,
  }),
  // dx = dy - softmax(x) * sum(dy, axis), with softmax(x) = exp(y)
  logSoftmax: axisOp('logSoftmax', {
    grad: (y, dy) => [sub(dy, mul(mk('exp', [y], {}), sum(dy, [y.attrs.axis], true)))],
    reference: logSoftmaxOf,
    kernel: (t) => tf.logSoftmax(t),
    ofConstant: (size) => -Math.log(size),
  }),
} satisfies OpFamily<'softmax' | 'logSoftmax'>


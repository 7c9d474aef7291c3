/** Reference evaluation of matMul, reshapes, transposes, reductions and broadcasts. */
import * as tf from '@tensorflow/tfjs-core'
import { type Evaluator, activate, axesOf } from './common.js'

/** A reduction; no axes means the identity, as the shape rule says. */
const reduce = (f: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor) =>
  (x: tf.Tensor, a: { readonly axes: readonly number[]; readonly keepDims: boolean }): tf.Tensor =>
    a.axes.length === 0 ? x : f(x, axesOf(a.axes, x.rank), a.keepDims)

/** The evaluators of the structural ops. */
export const structureEvaluators = {
  matMul: ([a, b], at) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, at.transposeA, at.transposeB),
  fusedMatMul: ([a, b, bias], at) => {
    const y = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, at.transposeA, at.transposeB)
    return activate(bias ? tf.add(y, bias) : y, at.activation)
  },
  reshape: ([x], a, ctx) => tf.reshape(x!, ctx.bind(a.shape)),
  transpose: ([x], a) => tf.transpose(x!, [...a.perm]),
  sum: ([x], a) => reduce((t, ax, k) => tf.sum(t, ax, k))(x!, a),
  mean: ([x], a) => reduce((t, ax, k) => tf.mean(t, ax, k))(x!, a),
  max: ([x], a) => reduce((t, ax, k) => tf.max(t, ax, k))(x!, a),
  broadcastTo: ([x], a, ctx) => tf.broadcastTo(x!, ctx.bind(a.shape)),
} satisfies { [O in 'matMul' | 'fusedMatMul' | 'reshape' | 'transpose' | 'sum' | 'mean' | 'max' | 'broadcastTo']: Evaluator<O> }

/** Reference evaluation of the elementwise ops (numpy broadcasting, as tfjs does it). */
import * as tf from '@tensorflow/tfjs-core'
import type { BinaryOp, UnaryOp } from '../../dsl/ops.js'
import type { Evaluator } from './common.js'

/** One tfjs op per elementwise op; the lowering uses the same table (these ops need no backend choice). */
export const elementwiseOps = {
  neg: ([x]: readonly tf.Tensor[]) => tf.neg(x!),
  exp: ([x]: readonly tf.Tensor[]) => tf.exp(x!),
  log: ([x]: readonly tf.Tensor[]) => tf.log(x!),
  sqrt: ([x]: readonly tf.Tensor[]) => tf.sqrt(x!),
  square: ([x]: readonly tf.Tensor[]) => tf.square(x!),
  sigmoid: ([x]: readonly tf.Tensor[]) => tf.sigmoid(x!),
  relu: ([x]: readonly tf.Tensor[]) => tf.relu(x!),
  tanh: ([x]: readonly tf.Tensor[]) => tf.tanh(x!),
  add: ([a, b]: readonly tf.Tensor[]) => tf.add(a!, b!),
  sub: ([a, b]: readonly tf.Tensor[]) => tf.sub(a!, b!),
  mul: ([a, b]: readonly tf.Tensor[]) => tf.mul(a!, b!),
  div: ([a, b]: readonly tf.Tensor[]) => tf.div(a!, b!),
  greater: ([a, b]: readonly tf.Tensor[]) => tf.cast(tf.greater(a!, b!), 'float32'),
} satisfies { [O in UnaryOp | BinaryOp]: (xs: readonly tf.Tensor[]) => tf.Tensor }

/** The evaluators of the elementwise unary and binary ops. */
export const elementwiseEvaluators = elementwiseOps satisfies { [O in UnaryOp | BinaryOp]: Evaluator<O> }

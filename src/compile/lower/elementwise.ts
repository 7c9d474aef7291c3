/** Lowering of the elementwise ops: one tfjs op each (numpy broadcasting, as tfjs does it). */
import * as tf from '@tensorflow/tfjs-core'
import type { Lowering } from './common.js'

/** The lowerings of the elementwise unary and binary ops. */
export const elementwiseLowerings = {
  neg: ([x]) => tf.neg(x!),
  exp: ([x]) => tf.exp(x!),
  log: ([x]) => tf.log(x!),
  sqrt: ([x]) => tf.sqrt(x!),
  square: ([x]) => tf.square(x!),
  sigmoid: ([x]) => tf.sigmoid(x!),
  relu: ([x]) => tf.relu(x!),
  tanh: ([x]) => tf.tanh(x!),
  add: ([a, b]) => tf.add(a!, b!),
  sub: ([a, b]) => tf.sub(a!, b!),
  mul: ([a, b]) => tf.mul(a!, b!),
  div: ([a, b]) => tf.div(a!, b!),
  greater: ([a, b]) => tf.cast(tf.greater(a!, b!), 'float32'),
} satisfies { [O in 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'sigmoid' | 'relu' | 'tanh' | 'add' | 'sub' | 'mul' | 'div' | 'greater']: Lowering<O> }

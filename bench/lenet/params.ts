/**
 * d2l LeNet-5 (ch 6.6) parameters in tfjs layout (filters HWIO, dense [in, out]), NHWC inside.
 * Input [B, 28, 28, 1]; conv 1->6 5x5 pad 2, sigmoid, avgpool 2; conv 6->16 5x5, sigmoid, avgpool 2;
 * dense 400->120 sigmoid, 120->84 sigmoid, 84->10.
 */
import * as tf from '@tensorflow/tfjs-core'

/** The ten trainable tensors. */
export interface LeNetParams {
  readonly c1w: tf.Variable<tf.Rank.R4>
  readonly c1b: tf.Variable<tf.Rank.R1>
  readonly c2w: tf.Variable<tf.Rank.R4>
  readonly c2b: tf.Variable<tf.Rank.R1>
  readonly f1w: tf.Variable<tf.Rank.R2>
  readonly f1b: tf.Variable<tf.Rank.R1>
  readonly f2w: tf.Variable<tf.Rank.R2>
  readonly f2b: tf.Variable<tf.Rank.R1>
  readonly f3w: tf.Variable<tf.Rank.R2>
  readonly f3b: tf.Variable<tf.Rank.R1>
}

/** Names in a fixed order (for comparing gradient maps). */
export const PARAM_NAMES = ['c1w', 'c1b', 'c2w', 'c2b', 'f1w', 'f1b', 'f2w', 'f2b', 'f3w', 'f3b'] as const

function glorot(shape: number[], fanIn: number, fanOut: number, seed: number): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  return tf.randomUniform(shape, -limit, limit, 'float32', seed)
}

/**
 * Xavier-uniform weights and zero biases as tf.Variables (seeded).
 * @example const p = initLeNet(0); p.c1w.shape // [5, 5, 1, 6]
 */
export function initLeNet(seed = 0): LeNetParams {
  const v = <R extends tf.Rank>(t: tf.Tensor, name: string) => tf.variable(t, true, `lenet_${name}_${seed}_${Math.random()}`) as tf.Variable<R>
  return {
    c1w: v(glorot([5, 5, 1, 6], 25, 150, seed + 1), 'c1w'),
    c1b: v(tf.zeros([6]), 'c1b'),
    c2w: v(glorot([5, 5, 6, 16], 150, 400, seed + 2), 'c2w'),
    c2b: v(tf.zeros([16]), 'c2b'),
    f1w: v(glorot([400, 120], 400, 120, seed + 3), 'f1w'),
    f1b: v(tf.zeros([120]), 'f1b'),
    f2w: v(glorot([120, 84], 120, 84, seed + 4), 'f2w'),
    f2b: v(tf.zeros([84]), 'f2b'),
    f3w: v(glorot([84, 10], 84, 10, seed + 5), 'f3w'),
    f3b: v(tf.zeros([10]), 'f3b'),
  }
}

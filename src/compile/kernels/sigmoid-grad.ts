/** Sigmoid backward from the saved forward output (no recomputation of exp). */
import * as tf from '@tensorflow/tfjs-core'

/**
 * dL/dx of `y = sigmoid(x)` given y and dy: dy * y * (1 - y). Any shape, y and dy alike.
 * @example sigmoidGradFromOutput(tf.sigmoid(x), dy) // same shape as dy
 */
export function sigmoidGradFromOutput<T extends tf.Tensor>(y: T, dy: T): T {
  return tf.tidy(() => tf.mul(dy, tf.mul(y, tf.sub(1, y))) as T)
}

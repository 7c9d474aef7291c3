/** Sigmoid backward from the saved forward output (no recomputation of exp). */
import * as tf from '@tensorflow/tfjs-core'

/**
 * dL/dx of `y = sigmoid(x)` given y and dy: dy * y * (1 - y). Any shape, y and dy alike.
 * @example sigmoidGradFromOutput(tf.sigmoid(x), dy) // same shape as dy
 */
export function sigmoidGradFromOutput<T extends tf.Tensor>(y: T, dy: T): T {
  return tf.tidy(() => tf.mul(dy, tf.mul(y, tf.sub(1, y))) as T)
}

/**
 * Sigmoid backward fused with the upsampling of a non-overlapping k x k average pool that
 * follows it: dL/dx for y = sigmoid(x), p = avgPool(y, k, k, 'valid'), given dp = dL/dp.
 * Shapes: y [N, OH*kH, OW*kW, C] (H, W divisible by k), dp [N, OH, OW, C] -> like y.
 * One broadcasting multiply replaces the upsample + multiply pair.
 * @example pooledSigmoidGrad(a1, dp1, 2, 2) // [256, 28, 28, 6]
 */
export function pooledSigmoidGrad(y: tf.Tensor4D, dp: tf.Tensor4D, kH: number, kW: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, oh, ow, c] = dp.shape
    const slope = tf.reshape(tf.mul(y, tf.sub(1, y)), [n * oh, kH, ow, kW, c])
    const spread = tf.reshape(tf.mul(dp, 1 / (kH * kW)), [n * oh, 1, ow, 1, c])
    return tf.reshape(tf.mul(slope, spread), y.shape) as tf.Tensor4D
  })
}

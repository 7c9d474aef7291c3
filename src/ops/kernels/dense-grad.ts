/**
 * Dense-layer helpers that avoid tfjs-wasm's slow transposed matMul paths: `matMul(a, b, true,
 * false)` / `(false, true)` run ~10x slower than an explicit `transpose` + plain matMul there.
 */
import * as tf from '@tensorflow/tfjs-core'

/** Gradients of z = x W + b. */
export interface DenseGrads {
  /** [In, Out] */
  readonly dW: tf.Tensor2D
  /** [Out] */
  readonly db: tf.Tensor1D
  /** [B, In], absent when not requested */
  readonly dx?: tf.Tensor2D
}

/**
 * Backward of z = x W + b given dz [B, Out]: dW = x^T dz, db = sum_B dz, dx = dz W^T.
 * @example denseGrads(x, w, dz, true).dx // [B, In]
 */
export function denseGrads(x: tf.Tensor2D, w: tf.Tensor2D, dz: tf.Tensor2D, withDx: boolean): DenseGrads {
  const dW = tf.matMul(tf.transpose(x) as tf.Tensor2D, dz) as tf.Tensor2D
  const db = tf.sum(dz, 0) as tf.Tensor1D
  if (!withDx) return { dW, db }
  return { dW, db, dx: tf.matMul(dz, tf.transpose(w) as tf.Tensor2D) as tf.Tensor2D }
}

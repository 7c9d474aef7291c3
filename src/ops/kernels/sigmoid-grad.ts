/**
 * Sigmoid backward from the saved forward output (no recomputation of exp). On the wasm backend
 * each function is one SIMD pass over the heap (simd/kernels.ts); elsewhere a tfjs composition.
 */
import * as tf from '@tensorflow/tfjs-core'
import { POOLED_SIGMOID_GRAD, SIGMOID_GRAD_BIAS } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * dL/dx of `y = sigmoid(x)` given y and dy: dy * y * (1 - y). Any shape, y and dy alike.
 * @example sigmoidGradFromOutput(tf.sigmoid(x), dy) // same shape as dy
 */
export function sigmoidGradFromOutput<T extends tf.Tensor>(y: T, dy: T): T {
  if (onWasm() && y.dtype === 'float32' && dy.dtype === 'float32' && y.size > 0) {
    const [dz, db] = runHeapKernel(SIGMOID_GRAD_BIAS, { y, dy }, {})
    db!.dispose()
    return dz as T
  }
  return tf.tidy(() => tf.mul(dy, tf.mul(y, tf.sub(1, y))) as T)
}

/** Pre-activation gradient and the matching bias gradient. */
export interface SigmoidBiasGrads<T extends tf.Tensor> {
  /** dL/dx, shaped like y */
  readonly dz: T
  /** [F]: dz summed over every axis but the last (the bias gradient of `x = ... + b`) */
  readonly db: tf.Tensor1D
}

/**
 * Sigmoid backward plus the bias gradient in one pass: dz = dy * y * (1 - y), db = sum of dz over
 * all axes but the last. y, dy [..., F].
 * @example const { dz, db } = sigmoidGradWithBias(h1, dh1) // dz [256, 120], db [120]
 */
export function sigmoidGradWithBias<T extends tf.Tensor>(y: T, dy: T): SigmoidBiasGrads<T> {
  const f = y.shape[y.rank - 1] ?? 1
  if (onWasm() && y.dtype === 'float32' && dy.dtype === 'float32' && y.size > 0 && y.rank > 0) {
    const [dz, db] = runHeapKernel(SIGMOID_GRAD_BIAS, { y, dy }, {})
    return { dz: dz as T, db: db as tf.Tensor1D }
  }
  const dz = tf.tidy(() => tf.mul(dy, tf.mul(y, tf.sub(1, y))) as T)
  return { dz, db: tf.sum(tf.reshape(dz, [-1, f]), 0) as tf.Tensor1D }
}

/**
 * Sigmoid backward fused with the upsampling of a non-overlapping k x k average pool that
 * follows it: dL/dx for y = sigmoid(x), p = avgPool(y, k, k, 'valid'), given dp = dL/dp.
 * Shapes: y [N, OH*kH, OW*kW, C] (H, W divisible by k), dp [N, OH, OW, C] -> like y.
 * @example pooledSigmoidGrad(a1, dp1, 2, 2) // [256, 28, 28, 6]
 */
export function pooledSigmoidGrad(y: tf.Tensor4D, dp: tf.Tensor4D, kH: number, kW: number): tf.Tensor4D {
  const { dx, db } = pooledSigmoidGradWithBias(y, dp, kH, kW)
  db.dispose()
  return dx!
}

/** Outputs of {@link pooledSigmoidGradWithBias}. */
export interface PooledSigmoidGrads {
  /** [N,H,W,C], present when asked for */
  readonly dx?: tf.Tensor4D
  /** [C]: the conv bias gradient (dx summed over N, H, W) */
  readonly db: tf.Tensor1D
}

/**
 * {@link pooledSigmoidGrad} plus the conv bias gradient, one pass over y and dp on wasm; `withDx`
 * false computes only the bias gradient.
 * @example const { dx, db } = pooledSigmoidGradWithBias(a1, dp1, 2, 2) // dx [256, 28, 28, 6], db [6]
 */
export function pooledSigmoidGradWithBias(y: tf.Tensor4D, dp: tf.Tensor4D, kH: number, kW: number, withDx = true): PooledSigmoidGrads {
  if (onWasm() && y.dtype === 'float32' && dp.dtype === 'float32' && y.size > 0) {
    const outs = runHeapKernel(POOLED_SIGMOID_GRAD, { y, dp }, { kernel: [kH, kW], nhwc: withDx })
    const db = outs.pop() as tf.Tensor1D
    return { dx: withDx ? (outs[0] as tf.Tensor4D) : undefined, db }
  }
  return tf.tidy(() => {
    const [n, oh, ow, c] = dp.shape
    const slope = tf.reshape(tf.mul(y, tf.sub(1, y)), [n * oh, kH, ow, kW, c])
    const spread = tf.reshape(tf.mul(dp, 1 / (kH * kW)), [n * oh, 1, ow, 1, c])
    const dx = tf.reshape(tf.mul(slope, spread), y.shape) as tf.Tensor4D
    const db = tf.sum(tf.reshape(dx, [-1, c]), 0) as tf.Tensor1D
    return { dx: withDx ? dx : undefined, db }
  })
}

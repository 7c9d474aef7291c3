/**
 * Sigmoid backward from the saved forward output (no recomputation of exp). On the wasm backend
 * each function is one fused pass over the heap (fused-grads-wasm.ts); elsewhere a tfjs composition.
 */
import * as tf from '@tensorflow/tfjs-core'
import { POOLED_SIGMOID_GRAD, SIGMOID_GRAD_BIAS } from './fused-grads-wasm.js'
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
  const { dx, db } = pooledSigmoidGradWithBias(y, dp, kH, kW, { nhwc: true })
  db.dispose()
  return dx!
}

/** Which layouts of the pre-activation gradient {@link pooledSigmoidGradWithBias} writes. */
export interface PooledGradLayouts {
  /** [N,H,W,C], for the input gradient of the conv below and for generic consumers */
  readonly nhwc?: boolean
  /** [H,W,N,C], what {@link conv2dFilterGradHWNC} takes (saves a transpose) */
  readonly hwnc?: boolean
}

/** Outputs of {@link pooledSigmoidGradWithBias}; a layout is present iff it was requested. */
export interface PooledSigmoidGrads {
  readonly dx?: tf.Tensor4D
  readonly dxHWNC?: tf.Tensor4D
  /** [C]: the conv bias gradient (dx summed over N, H, W) */
  readonly db: tf.Tensor1D
}

/**
 * {@link pooledSigmoidGrad} plus the conv bias gradient, optionally in the [H,W,N,C] layout the
 * filter gradient wants: one pass over y and dp on wasm.
 * @example const { dxHWNC, db } = pooledSigmoidGradWithBias(a1, dp1, 2, 2, { hwnc: true })
 */
export function pooledSigmoidGradWithBias(
  y: tf.Tensor4D,
  dp: tf.Tensor4D,
  kH: number,
  kW: number,
  layouts: PooledGradLayouts = { nhwc: true },
): PooledSigmoidGrads {
  const nhwc = layouts.nhwc ?? false
  const hwnc = layouts.hwnc ?? false
  if (onWasm() && y.dtype === 'float32' && dp.dtype === 'float32' && y.size > 0) {
    const outs = runHeapKernel(POOLED_SIGMOID_GRAD, { y, dp }, { kernel: [kH, kW], nhwc, hwnc })
    const db = outs.pop() as tf.Tensor1D
    return { dx: nhwc ? (outs.shift() as tf.Tensor4D) : undefined, dxHWNC: hwnc ? (outs.shift() as tf.Tensor4D) : undefined, db }
  }
  return tf.tidy(() => {
    const [n, oh, ow, c] = dp.shape
    const slope = tf.reshape(tf.mul(y, tf.sub(1, y)), [n * oh, kH, ow, kW, c])
    const spread = tf.reshape(tf.mul(dp, 1 / (kH * kW)), [n * oh, 1, ow, 1, c])
    const dx = tf.reshape(tf.mul(slope, spread), y.shape) as tf.Tensor4D
    const db = tf.sum(tf.reshape(dx, [-1, c]), 0) as tf.Tensor1D
    return {
      dx: nhwc ? dx : undefined,
      dxHWNC: hwnc ? (tf.transpose(dx, [1, 2, 0, 3]) as tf.Tensor4D) : undefined,
      db,
    }
  })
}

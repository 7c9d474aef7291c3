/**
 * The sum over every axis but the last: bias gradients of channels-last values. tfjs-wasm's Sum
 * reduces only trailing axes, so it transposes [N,H,W,C] first (a full copy, ~10x the cost of the sum);
 * on wasm this is one SIMD pass (simd/kernels.ts).
 */
import * as tf from '@tensorflow/tfjs-core'
import { COLUMN_SUMS } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * x [..., F] -> [F], summed over all leading axes.
 * @example columnSums(dz) // dz [256, 28, 28, 6] -> [6]
 */
export function columnSums(x: tf.Tensor): tf.Tensor1D {
  const f = x.shape[x.rank - 1] ?? 1
  if (onWasm() && x.dtype === 'float32' && x.size > 0 && x.rank > 0) return runHeapKernel(COLUMN_SUMS, { x }, {})[0] as tf.Tensor1D
  return tf.tidy(() => tf.sum(tf.reshape(x, [-1, f]), 0) as tf.Tensor1D)
}

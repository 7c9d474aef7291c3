/**
 * Batch normalization kernels on tfjs-backend-wasm's heap, for channel-last tensors (NHWC images after
 * the layout pass, or [N, C] features): per-channel statistics in one SIMD read pass, then one SIMD write
 * pass (simd/norm-kernels.ts). tfjs-wasm reduces over leading axes by transposing first and runs each
 * elementwise op as its own single-threaded pass; these replace ~15 such ops per batch norm (forward)
 * and ~20 (backward). Callers use them on wasm only (batchNorm.ts, batchNormStats.ts).
 */
import type * as tf from '@tensorflow/tfjs-core'
import { BATCH_NORM, BATCH_NORM_GRAD, BATCH_NORM_INFER, CHANNEL_STAT } from './simd/norm-kernels.js'
import { runHeapKernel } from './wasm-heap.js'

/**
 * Training-mode batch norm of channel-last x [..., C] with batch statistics (biased variance).
 * @example batchNormHeap(x, gamma, beta, 1e-5) // x [N,H,W,C] -> [N,H,W,C]
 */
export const batchNormHeap = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor =>
  runHeapKernel(BATCH_NORM, { x, gamma, beta }, { eps })[0]!

/**
 * Inference-mode batch norm of channel-last x [..., C] with given mean and variance [C].
 * @example batchNormInferHeap(x, gamma, beta, runningMean, runningVar, 1e-5)
 */
export const batchNormInferHeap = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number): tf.Tensor =>
  runHeapKernel(BATCH_NORM_INFER, { x, gamma, beta, mean, variance }, { eps })[0]!

/**
 * One gradient of training-mode batch norm of channel-last x [..., C]: dx (x's shape), dgamma or dbeta [C].
 * @example batchNormGradHeap(x, gamma, dy, 1e-5, 'x')
 */
export const batchNormGradHeap = (x: tf.Tensor, gamma: tf.Tensor, dy: tf.Tensor, eps: number, which: 'x' | 'gamma' | 'beta'): tf.Tensor =>
  batchNormGradsHeap(x, gamma, dy, eps, [which])[0]!

/**
 * Several of batch norm's gradients of the same x, gamma and dy from one pass over x and dy: one tensor
 * per entry of `which`, in order ('x': like x; 'gamma', 'beta': [C]).
 * @example const [dx, dGamma, dBeta] = batchNormGradsHeap(x, gamma, dy, 1e-5, ['x', 'gamma', 'beta'])
 */
export const batchNormGradsHeap = (x: tf.Tensor, gamma: tf.Tensor, dy: tf.Tensor, eps: number, which: readonly ('x' | 'gamma' | 'beta')[]): tf.Tensor[] =>
  runHeapKernel(BATCH_NORM_GRAD, { x, gamma, dy }, { eps, which: [...which] })

/**
 * Per-channel mean or unbiased variance of channel-last x [..., C]: [C].
 * @example channelStatHeap(x, 'unbiasedVar')
 */
export const channelStatHeap = (x: tf.Tensor, stat: 'mean' | 'unbiasedVar'): tf.Tensor => runHeapKernel(CHANNEL_STAT, { x }, { stat })[0]!

/**
 * Dense matrix products on the SIMD kernels (simd/gemm-kernel.ts): transposed operands are read in
 * place (no transpose op), and the bias and activation are applied while the tile is in registers.
 * tfjs-wasm's XNNPACK GEMM runs LeNet's dense shapes at ~6 GMAC/s per core and its transposed paths far
 * slower; the packed 4 x 8 micro-kernel runs ~27 with fused multiply-adds.
 */
import * as tf from '@tensorflow/tfjs-core'
import { GEMM } from './simd/gemm-kernel.js'
import { KERNEL_ACTIVATIONS } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * activation(op(a) op(b) + bias) as one SIMD kernel on wasm, op = transpose when asked; undefined where
 * it does not apply (another backend, non-float32 operands, a bias that is not a vector over the columns,
 * an activation other than linear, relu or sigmoid), so the caller's tfjs path runs.
 * Shapes: a [M,K] ([K,M] transposed), b [K,N] ([N,K] transposed), bias [N] -> [M,N].
 * @example simdMatMul(x, w, false, true, b, 'sigmoid') // x [256, 400], w [120, 400], b [120] -> [256, 120]
 */
export function simdMatMul(
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.Tensor | undefined,
  activation: string,
): tf.Tensor2D | undefined {
  if (!onWasm() || a.rank !== 2 || b.rank !== 2 || a.dtype !== 'float32' || b.dtype !== 'float32' || !(activation in KERNEL_ACTIVATIONS)) return undefined
  const k = transposeA ? a.shape[0]! : a.shape[1]!
  const n = transposeB ? b.shape[0]! : b.shape[1]!
  if (k !== (transposeB ? b.shape[1] : b.shape[0]) || a.size === 0 || b.size === 0) return undefined
  if (bias !== undefined && (bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== n)) return undefined
  const attrs = { transposeA, transposeB, activation }
  return runHeapKernel(GEMM, bias ? { a, b, bias } : { a, b }, attrs)[0] as tf.Tensor2D
}

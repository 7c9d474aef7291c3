/**
 * Average and max pooling over side-by-side windows (stride = window, no padding: LeNet's 2 x 2 pools) as
 * one SIMD pass on wasm (simd/kernels.ts): the window's rows are combined as whole vectors first, then its
 * columns per channel. tfjs-wasm's XNNPACK pooling takes ~3x longer on LeNet's first pool.
 */
import * as tf from '@tensorflow/tfjs-core'
import { POOL_TILES } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * The mean (or, with `max`, the maximum) of each kH x kW window of x laid side by side from the top-left
 * corner, when the backend is wasm and x is float32; otherwise undefined (the caller's tfjs pooling runs).
 * Shapes: x [N,H,W,C] NHWC -> [N, floor(H/kH), floor(W/kW), C].
 * @example poolTiles(y, [2, 2], false) // [256, 28, 28, 6] -> [256, 14, 14, 6]
 */
export function poolTiles(x: tf.Tensor4D, kernel: readonly [number, number], max: boolean): tf.Tensor4D | undefined {
  const [, h, w] = x.shape
  if (!onWasm() || x.dtype !== 'float32' || x.size === 0 || h < kernel[0] || w < kernel[1]) return undefined
  return runHeapKernel(POOL_TILES, { x }, { kernel: [...kernel], max })[0] as tf.Tensor4D
}

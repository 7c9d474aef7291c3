/**
 * dL/dx of maxPool (NHWC) on tfjs-backend-wasm's heap: each window's dy goes to its first maximal
 * element in row-major window order (padding never wins), found from x directly, so all-negative and
 * overlapping windows are handled the same way. One SIMD pass per image, 4 channels at a time, split by
 * image over two threads (simd/norm-kernels.ts, assembly/pool.ts).
 * (The tfjs composition in max-pool2d-grad.ts needs ~10 ops per window offset; tfjs-wasm's own
 * MaxPoolGrad drops windows whose values are all <= 0.)
 */
import type * as tf from '@tensorflow/tfjs-core'
import { MAX_POOL_GRAD } from './simd/norm-kernels.js'
import { runHeapKernel } from './wasm-heap.js'

/**
 * dL/dx of `maxPool(x, kernel, strides, pad)` given dy; x [N,H,W,C], dy [N,OH,OW,C], pad [top, bottom, left, right].
 * @example maxPool2dGradHeap(dy, x, [2, 2], [2, 2], [0, 0, 0, 0]) // -> shaped like x
 */
export const maxPool2dGradHeap = (
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  pad: readonly [number, number, number, number],
): tf.Tensor4D => runHeapKernel(MAX_POOL_GRAD, { dy, x }, { kernel: [...kernel], strides: [...strides], pad: [...pad] })[0] as tf.Tensor4D

/**
 * relu and its gradient as SIMD passes on tfjs-backend-wasm's heap, split over two threads for big
 * tensors (simd/norm-kernels.ts, assembly/relu.ts): tfjs-wasm's Relu is single-threaded, and it runs
 * reluGrad's step and mul as two single-threaded passes plus a temporary.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { RELU, RELU_GRAD } from './simd/norm-kernels.js'
import { runHeapKernel } from './wasm-heap.js'

/**
 * max(x, 0) of a float32 tensor.
 * @example reluHeap(x) // like x
 */
export const reluHeap = (x: tf.Tensor): tf.Tensor => runHeapKernel(RELU, { x }, {})[0]!

/**
 * dL/dx of relu from its output y and dy (same shape, float32).
 * @example reluGradHeap(y, dy) // dy * (y > 0)
 */
export const reluGradHeap = (y: tf.Tensor, dy: tf.Tensor): tf.Tensor => runHeapKernel(RELU_GRAD, { y, dy }, {})[0]!

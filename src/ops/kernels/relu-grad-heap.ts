/**
 * dy where y > 0 in one pass on tfjs-backend-wasm's heap (tfjs-wasm runs step and mul as two
 * single-threaded passes plus a temporary).
 */
import * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, runHeapKernel } from './wasm-heap.js'

const RELU_GRAD = 'TypegradReluGradHeap'

registerHeapKernel(RELU_GRAD, ['y', 'dy'], (backend, [y, dy]) => {
  const dx = backend.makeOutput([...dy.shape], 'float32')
  const ys = f32(backend, y)
  const dys = f32(backend, dy)
  const out = f32(backend, dx)
  // a multiply instead of a branch: y's sign is unpredictable, and mispredictions cost ~3x here
  for (let i = 0; i < out.length; i++) out[i] = dys[i]! * +(ys[i]! > 0)
  return [dx]
})

/**
 * dL/dx of relu from its output y and dy (same shape, float32).
 * @example reluGradHeap(y, dy) // dy * (y > 0)
 */
export const reluGradHeap = (y: tf.Tensor, dy: tf.Tensor): tf.Tensor => runHeapKernel(RELU_GRAD, { y, dy }, {})[0]!

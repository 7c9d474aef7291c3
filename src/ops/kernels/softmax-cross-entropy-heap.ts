/**
 * Softmax cross-entropy and its gradient in one pass over the wasm heap (instead of 6 single-threaded
 * tfjs-wasm ops). Registered on import; used by softmax-cross-entropy.ts on the wasm backend. Plain JS:
 * [B, K] logits are small next to the conv layers.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, type WasmHeapBackend } from './wasm-heap.js'

/** logits [B,K], labels [B] (int32 or float32) -> loss [], dLogits [B,K]. */
export const SOFTMAX_CE = 'TypegradSoftmaxCrossEntropy'

function labelsView(backend: WasmHeapBackend, t: tf.TensorInfo): ArrayLike<number> {
  return backend.typedArrayFromHeap(t)
}

registerHeapKernel(SOFTMAX_CE, ['logits', 'labels'], (backend, [logits, labels]) => {
  const [b, k] = logits.shape
  const loss = backend.makeOutput([], 'float32')
  const grad = backend.makeOutput([b, k], 'float32')
  const zs = f32(backend, logits)
  const ls = labelsView(backend, labels)
  const gs = f32(backend, grad)
  let total = 0
  for (let r = 0; r < b; r++) {
    const o = r * k
    let max = -Infinity
    for (let j = 0; j < k; j++) max = Math.max(max, zs[o + j])
    let sum = 0
    for (let j = 0; j < k; j++) sum += Math.exp(zs[o + j] - max)
    const logSum = Math.log(sum) + max
    const label = Math.trunc(ls[r])
    for (let j = 0; j < k; j++) {
      const logP = zs[o + j] - logSum
      const hit = j === label ? 1 : 0
      gs[o + j] = (Math.exp(logP) - hit) / b
      if (hit) total -= logP
    }
  }
  f32(backend, loss)[0] = total / b
  return [loss, grad]
})

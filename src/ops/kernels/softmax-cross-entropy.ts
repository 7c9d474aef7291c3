/** Mean softmax cross-entropy from logits and integer labels, value and gradient together. */
import * as tf from '@tensorflow/tfjs-core'
import { SOFTMAX_CE } from './softmax-cross-entropy-heap.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/** Loss value and its gradient with respect to the logits. */
export interface SoftmaxCrossEntropy {
  /** scalar: mean over the batch of -log softmax(logits)[label] */
  readonly loss: tf.Scalar
  /** [B, K]: (softmax(logits) - onehot(labels)) / B */
  readonly dLogits: tf.Tensor2D
}

/**
 * Stable (via logSoftmax) mean cross-entropy of logits [B, K] against int32 labels [B].
 * On wasm one fused pass over the heap (the composition is ~12 tiny single-threaded ops).
 * @example softmaxCrossEntropy(logits, tf.tensor1d([3, 1], 'int32')).loss // scalar
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): SoftmaxCrossEntropy {
  if (onWasm() && logits.dtype === 'float32' && logits.size > 0) {
    const [loss, dLogits] = runHeapKernel(SOFTMAX_CE, { logits, labels }, {})
    return { loss: loss as tf.Scalar, dLogits: dLogits as tf.Tensor2D }
  }
  return tf.tidy(() => {
    const [b, k] = logits.shape
    const logP = tf.logSoftmax(logits)
    // oneHot's dtype argument is ignored by tfjs-wasm 4.22 (it writes int32 bits into a
    // float32 tensor), so build it as int32 and cast.
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), k), 'float32')
    const loss = tf.neg(tf.div(tf.sum(tf.mul(oneHot, logP)), b)) as tf.Scalar
    const dLogits = tf.div(tf.sub(tf.exp(logP), oneHot), b) as tf.Tensor2D
    return { loss, dLogits }
  })
}

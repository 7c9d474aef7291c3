/** The same LeNet step through tfjs' own tape (`tf.variableGrads`), for comparison. */
import * as tf from '@tensorflow/tfjs-core'
import { PARAM_NAMES, type LeNetParams } from './params.js'

/** Forward pass to logits with plain (tape-differentiable) ops. */
export function lenetLogits(p: LeNetParams, x: tf.Tensor4D): tf.Tensor2D {
  const b = x.shape[0]
  const a1 = tf.sigmoid(tf.add(tf.conv2d(x, p.c1w, 1, 2), p.c1b)) as tf.Tensor4D
  const p1 = tf.avgPool(a1, 2, 2, 'valid')
  const a2 = tf.sigmoid(tf.add(tf.conv2d(p1, p.c2w, 1, 'valid'), p.c2b)) as tf.Tensor4D
  const p2 = tf.avgPool(a2, 2, 2, 'valid')
  const h1 = tf.sigmoid(tf.add(tf.matMul(tf.reshape(p2, [b, 400]), p.f1w), p.f1b))
  const h2 = tf.sigmoid(tf.add(tf.matMul(h1, p.f2w), p.f2b))
  return tf.add(tf.matMul(h2, p.f3w), p.f3b) as tf.Tensor2D
}

/** Mean softmax cross-entropy via logSoftmax (tape-differentiable). */
export function lenetLoss(p: LeNetParams, x: tf.Tensor4D, labels: tf.Tensor1D): tf.Scalar {
  const logits = lenetLogits(p, x)
  const oneHot = tf.oneHot(labels, 10)
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar
}

/** Loss and gradients by tape, keyed by param name. */
export function tapeLossAndGrads(p: LeNetParams, x: tf.Tensor4D, labels: tf.Tensor1D): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const vars = PARAM_NAMES.map((n) => p[n] as tf.Variable)
  const { value, grads } = tf.variableGrads(() => lenetLoss(p, x, labels), vars)
  const byName: Record<string, tf.Tensor> = {}
  for (const n of PARAM_NAMES) byName[n] = grads[p[n].name]
  return { loss: value, grads: byName }
}

/** One SGD step through the tape. */
export function tapeStep(p: LeNetParams, x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): tf.Scalar {
  return tf.tidy(() => {
    const { loss, grads } = tapeLossAndGrads(p, x, labels)
    for (const n of PARAM_NAMES) p[n].assign(tf.sub(p[n], tf.mul(grads[n], lr)) as never)
    return loss
  })
}

/**
 * LeNet train step with a hand-written backward pass built from src/ops/kernels:
 * fused conv/matMul forward (bias + sigmoid in one XNNPACK call), conv gradients as forward
 * convs, pooling gradients as broadcasts, SGD in place via `assign`.
 */
import * as tf from '@tensorflow/tfjs-core'
import {
  conv2dFilterGrad,
  conv2dInputGrad,
  pooledSigmoidGradWithBias,
  sigmoidGradWithBias,
  softmaxCrossEntropy,
} from '../../src/ops/kernels/index.js'
import { PARAM_NAMES, type LeNetParams } from './params.js'

/** Gradients keyed like the params. */
export type LeNetGrads = Record<(typeof PARAM_NAMES)[number], tf.Tensor>

/**
 * Loss and all parameter gradients for a batch x [B,28,28,1], labels int32 [B]. Caller disposes.
 * @example const { loss, grads } = tf.tidy(() => lenetLossAndGrads(p, x, y))
 */
export function lenetLossAndGrads(p: LeNetParams, x: tf.Tensor4D, labels: tf.Tensor1D): { loss: tf.Scalar; grads: LeNetGrads } {
  const b = x.shape[0]
  // forward (save activations)
  const a1 = tf.fused.conv2d({ x, filter: p.c1w, strides: 1, pad: 2, bias: p.c1b, activation: 'sigmoid' })
  const p1 = tf.avgPool(a1, 2, 2, 'valid')
  const a2 = tf.fused.conv2d({ x: p1, filter: p.c2w, strides: 1, pad: 'valid', bias: p.c2b, activation: 'sigmoid' })
  const p2 = tf.avgPool(a2, 2, 2, 'valid')
  const flat = tf.reshape(p2, [b, 400]) as tf.Tensor2D
  const h1 = tf.fused.matMul({ a: flat, b: p.f1w, bias: p.f1b, activation: 'sigmoid' })
  const h2 = tf.fused.matMul({ a: h1, b: p.f2w, bias: p.f2b, activation: 'sigmoid' })
  const logits = tf.fused.matMul({ a: h2, b: p.f3w, bias: p.f3b }) as tf.Tensor2D
  const { loss, dLogits } = softmaxCrossEntropy(logits, labels)
  // backward: explicit transposes (wasm's transposed matMul flags are ~10x slower); fused
  // sigmoid-grad + bias-sum kernels; conv dy written straight into the filter-grad layout
  const t = <T extends tf.Tensor>(m: T) => tf.transpose(m) as tf.Tensor2D
  const f3w = tf.matMul(t(h2), dLogits)
  const f3b = tf.sum(dLogits, 0)
  const d2 = sigmoidGradWithBias(h2, tf.matMul(dLogits, t(p.f3w)))
  const f2w = tf.matMul(t(h1), d2.dz)
  const d1 = sigmoidGradWithBias(h1, tf.matMul(d2.dz, t(p.f2w)))
  const f1w = tf.matMul(t(flat), d1.dz)
  const dp2 = tf.reshape(tf.matMul(d1.dz, t(p.f1w)), p2.shape) as tf.Tensor4D
  const c2 = pooledSigmoidGradWithBias(a2, dp2, 2, 2)
  const c2w = conv2dFilterGrad(p1, c2.dx!, [5, 5, 6, 16], 1, 'valid', 1)
  const dp1 = conv2dInputGrad(c2.dx!, p.c2w, p1.shape, 1, 'valid', 1)
  const c1 = pooledSigmoidGradWithBias(a1, dp1, 2, 2)
  const c1w = conv2dFilterGrad(x, c1.dx!, [5, 5, 1, 6], 1, 2, 1)
  const grads = { c1w, c1b: c1.db, c2w, c2b: c2.db, f1w, f1b: d1.db, f2w, f2b: d2.db, f3w, f3b }
  return { loss, grads }
}

/**
 * One SGD step in place; returns the loss (a scalar the caller disposes; read it only when needed).
 * @example const loss = lenetStep(p, x, y, 0.9)
 */
export function lenetStep(p: LeNetParams, x: tf.Tensor4D, labels: tf.Tensor1D, lr: number): tf.Scalar {
  return tf.tidy(() => {
    const { loss, grads } = lenetLossAndGrads(p, x, labels)
    for (const name of PARAM_NAMES) p[name].assign(tf.sub(p[name], tf.mul(grads[name], lr)) as never)
    return loss
  })
}

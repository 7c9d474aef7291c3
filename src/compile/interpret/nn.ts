/**
 * Reference evaluation of the nn ops (softmax, cross-entropy, dropout, batch norm) and the gradient
 * primitives of activations, cross-entropy and batch norm, written with plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Key, foldIn, uniform } from '../../dsl/random.js'
import type { OpAttrs } from '../../dsl/ops.js'
import { type Evaluator, axesOf } from './common.js'

const softmax = (x: tf.Tensor, axis: number): tf.Tensor => {
  const e = tf.exp(tf.sub(x, tf.max(x, axis, true)))
  return tf.div(e, tf.sum(e, axis, true))
}
const logSoftmax = (x: tf.Tensor, axis: number): tf.Tensor => {
  const z = tf.sub(x, tf.max(x, axis, true))
  return tf.sub(z, tf.log(tf.sum(tf.exp(z), axis, true)))
}
const oneHot = (labels: tf.Tensor, classes: number): tf.Tensor => tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes)

/**
 * The dropout multiplier for `n` elements: 0 where dropped, 1 / (1 - rate) where kept. Element `i` is
 * kept when `uniform(foldIn(k, stream), n)[i] >= rate`, so the mask is a pure function of (key, stream,
 * rate, n) and every backend can reproduce it. A dropout node and its gradient (dropout of dy) share it.
 *
 * @example
 * dropoutScale(key(7), '3', 0.5, 4) // e.g. Float32Array [2, 0, 0, 2]
 */
export const dropoutScale = (k: Key, stream: string, rate: number, n: number): Float32Array => {
  const u = uniform(foldIn(k, stream), n)
  return u.map((v) => (v >= rate ? 1 / (1 - rate) : 0))
}

/**
 * The number of invalid elements of `x` (NaN/±Infinity, or not a class in 0..classes-1), as a float32 scalar.
 * @example invalidCount(tf.tensor1d([1, NaN, Infinity]), { check: 'nonFinite' }) // 2
 */
export const invalidCount = (x: tf.Tensor, a: OpAttrs['invalidCount']): tf.Tensor =>
  // only ops every backend has (wasm has no IsFinite kernel): x - x is 0 exactly when x is finite
  tf.tidy(() => {
    const count = (t: tf.Tensor) => tf.sum(tf.cast(t, 'float32'))
    if (a.check === 'nonFinite') return tf.sub(x.size, count(tf.equal(tf.sub(x, x), 0)))
    const outside = tf.add(count(tf.less(x, 0)), count(tf.greaterEqual(x, a.classes)))
    return x.dtype === 'int32' ? outside : tf.add(outside, count(tf.notEqual(x, tf.floor(x))))
  })

/** Per-channel statistics of batch norm: the reduced axes, xhat, 1/sqrt(var + eps), element count. */
const normalize = (x: tf.Tensor, axis: number, eps: number) => {
  const ax = axesOf([axis], x.rank)[0]!
  const axes = x.shape.map((_, i) => i).filter((i) => i !== ax)
  const mean = tf.mean(x, axes, true)
  const centered = tf.sub(x, mean)
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), eps))
  const count = axes.reduce((m, i) => m * x.shape[i]!, 1)
  const channel = x.shape.map((d, i) => (i === ax ? d : 1))
  return { axes, xhat: tf.mul(centered, invStd), invStd, count, channel }
}

/** The evaluators of the nn ops. */
export const nnEvaluators = {
  softmax: ([x], a) => softmax(x!, axesOf([a.axis], x!.rank)[0]!),
  logSoftmax: ([x], a) => logSoftmax(x!, axesOf([a.axis], x!.rank)[0]!),
  softmaxCrossEntropy: ([logits, labels]) =>
    tf.neg(tf.mean(tf.sum(tf.mul(oneHot(labels!, logits!.shape[1]!), logSoftmax(logits!, 1)), 1))),
  correctCount: ([logits, labels]) => tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), tf.cast(labels!, 'int32')), 'float32')),
  softmaxCrossEntropyGrad: ([logits, labels, g]) =>
    tf.mul(tf.sub(softmax(logits!, 1), oneHot(labels!, logits!.shape[1]!)), tf.div(g!, logits!.shape[0]!)),
  invalidCount: ([x], a) => invalidCount(x!, a),
  dropout: ([x], a, ctx) => (a.rate === 0 ? x! : tf.mul(x!, tf.tensor(dropoutScale(ctx.key(), a.stream, a.rate, x!.size), x!.shape))),
  batchNorm: ([x, gamma, beta], a) => {
    const s = normalize(x!, a.axis, a.eps)
    return tf.add(tf.mul(s.xhat, tf.reshape(gamma!, s.channel)), tf.reshape(beta!, s.channel))
  },
  batchNormInfer: ([x, gamma, beta, mean, variance], a) => {
    const ax = axesOf([a.axis], x!.rank)[0]!
    const channel = x!.shape.map((d, i) => (i === ax ? d : 1))
    const scale = tf.mul(tf.reshape(gamma!, channel), tf.rsqrt(tf.add(tf.reshape(variance!, channel), a.eps)))
    return tf.add(tf.mul(tf.sub(x!, tf.reshape(mean!, channel)), scale), tf.reshape(beta!, channel))
  },
  channelStat: ([x], a) => {
    const ax = axesOf([a.axis], x!.rank)[0]!
    const axes = x!.shape.map((_, i) => i).filter((i) => i !== ax)
    const mean = tf.mean(x!, axes)
    if (a.stat === 'mean') return mean
    const count = axes.reduce((m, i) => m * x!.shape[i]!, 1)
    const keep = x!.shape.map((d, i) => (i === ax ? d : 1))
    return tf.div(tf.sum(tf.square(tf.sub(x!, tf.reshape(mean, keep))), axes), Math.max(count - 1, 1))
  },
  batchNormGrad: ([x, gamma, dy], a) => {
    const s = normalize(x!, a.axis, a.eps)
    if (a.which === 'beta') return tf.sum(dy!, s.axes)
    if (a.which === 'gamma') return tf.sum(tf.mul(dy!, s.xhat), s.axes)
    // dx = gamma * invStd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))
    const inner = tf.sub(tf.sub(tf.mul(dy!, s.count), tf.sum(dy!, s.axes, true)), tf.mul(s.xhat, tf.sum(tf.mul(dy!, s.xhat), s.axes, true)))
    return tf.mul(tf.div(tf.mul(tf.reshape(gamma!, s.channel), s.invStd), s.count), inner)
  },
  sigmoidGrad: ([y, dy]) => tf.mul(dy!, tf.mul(y!, tf.sub(1, y!))),
  reluGrad: ([y, dy]) => tf.mul(dy!, tf.cast(tf.greater(y!, 0), 'float32')),
  tanhGrad: ([y, dy]) => tf.mul(dy!, tf.sub(1, tf.square(y!))),
} satisfies {
  [O in 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'correctCount' | 'invalidCount' | 'softmaxCrossEntropyGrad' | 'dropout' | 'batchNorm' | 'batchNormInfer' | 'channelStat' | 'batchNormGrad' | 'sigmoidGrad' | 'reluGrad' | 'tanhGrad']: Evaluator<O>
}

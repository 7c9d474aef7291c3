/**
 * Lowering of the nn ops (softmax, cross-entropy, accuracy count, dropout, batch norm) and the gradient
 * primitives of activations, which read the saved forward output instead of recomputing it.
 * Batch norm has no faster tfjs form than the reference's plain ops, so it reuses them.
 */
import * as tf from '@tensorflow/tfjs-core'
import { dropoutScale } from '../interpret.js'
import { nnEvaluators } from '../interpret/nn.js'
import { type Lowering, axesOf } from './common.js'

/** softmax / logSoftmax along `axis`: tfjs's kernels work on the last axis only. */
const alongAxis = (x: tf.Tensor, axis: number, f: (x: tf.Tensor) => tf.Tensor): tf.Tensor => {
  const ax = axesOf([axis], x.rank)[0]!
  if (ax === x.rank - 1) return f(x)
  const perm = x.shape.map((_, i) => i)
  perm[ax] = x.rank - 1
  perm[x.rank - 1] = ax
  return tf.transpose(f(tf.transpose(x, perm)), perm)
}

const oneHot = (labels: tf.Tensor, classes: number): tf.Tensor => tf.oneHot(labels as tf.Tensor1D, classes)

/** The lowerings of the nn ops. */
export const nnLowerings = {
  softmax: ([x], a) => alongAxis(x!, a.axis, (t) => tf.softmax(t)),
  logSoftmax: ([x], a) => alongAxis(x!, a.axis, (t) => tf.logSoftmax(t)),
  // -sum(onehot * logSoftmax) / B
  softmaxCrossEntropy: ([logits, labels]) =>
    tf.div(tf.neg(tf.sum(tf.mul(oneHot(labels!, logits!.shape[1]!), tf.logSoftmax(logits!)))), logits!.shape[0]!),
  correctCount: ([logits, labels]) => tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), labels!), 'float32')),
  // (softmax - onehot) * g / B
  softmaxCrossEntropyGrad: ([logits, labels, g]) =>
    tf.mul(tf.sub(tf.softmax(logits!), oneHot(labels!, logits!.shape[1]!)), tf.div(g!, logits!.shape[0]!)),
  dropout: ([x], a, ctx) =>
    a.rate === 0 ? x! : tf.mul(x!, ctx.constant(`dropout:${a.seed}:${a.rate}:${x!.shape}`, () => tf.tensor(dropoutScale(a.seed, a.rate, x!.size), x!.shape))),
  batchNorm: nnEvaluators.batchNorm,
  batchNormGrad: nnEvaluators.batchNormGrad,
  // from the saved output y: dy * y * (1 - y), dy * [y > 0], dy * (1 - y^2)
  sigmoidGrad: ([y, dy]) => tf.mul(dy!, tf.mul(y!, tf.sub(1, y!))),
  reluGrad: ([y, dy]) => tf.mul(dy!, tf.step(y!)),
  tanhGrad: ([y, dy]) => tf.mul(dy!, tf.sub(1, tf.square(y!))),
} satisfies {
  [O in 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'correctCount' | 'softmaxCrossEntropyGrad' | 'dropout' | 'batchNorm' | 'batchNormGrad' | 'sigmoidGrad' | 'reluGrad' | 'tanhGrad']: Lowering<O>
}

/**
 * Lowering of the nn ops (softmax, cross-entropy, accuracy count, dropout, batch norm) and the gradient
 * primitives of activations, which read the saved forward output instead of recomputing it.
 * On wasm, batch norm (both modes, its gradients, the running-statistics reductions) and reluGrad run as
 * one-pass kernels on the wasm heap (src/compile/kernels/*-heap.ts) when the channel axis is last, which
 * the layout pass arranges for images; elsewhere they reuse the reference's plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core'
import { dropoutScale } from '../interpret.js'
import { invalidCount, nnEvaluators } from '../interpret/nn.js'
import { batchNormGradHeap, batchNormHeap, batchNormInferHeap, channelStatHeap } from '../kernels/batch-norm-heap.js'
import { reluGradHeap } from '../kernels/relu-grad-heap.js'
import { invalidCountHeap } from '../kernels/invalid-count-heap.js'
import { type LowerContext, type Lowering, axesOf, isWasm } from './common.js'

/** Whether the heap kernels apply: wasm, float32 x with its channel `axis` last. */
const channelLastOnWasm = (x: tf.Tensor, axis: number, ctx: LowerContext): boolean =>
  isWasm(ctx.backend) && x.dtype === 'float32' && axesOf([axis], x.rank)[0] === x.rank - 1

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
  invalidCount: ([x], a, ctx) => (isWasm(ctx.backend) && (x!.dtype === 'float32' || x!.dtype === 'int32') ? invalidCountHeap(x!, a) : invalidCount(x!, a)),
  // (softmax - onehot) * g / B
  softmaxCrossEntropyGrad: ([logits, labels, g]) =>
    tf.mul(tf.sub(tf.softmax(logits!), oneHot(labels!, logits!.shape[1]!)), tf.div(g!, logits!.shape[0]!)),
  // the mask is drawn on the host, as tf.randomUniform does, from the step's key: one upload per step
  dropout: ([x], a, ctx) =>
    a.rate === 0
      ? x!
      : tf.mul(x!, ctx.perCall(`dropout:${a.stream}:${a.rate}:${x!.shape}`, () => tf.tensor(dropoutScale(ctx.key(), a.stream, a.rate, x!.size), x!.shape))),
  batchNorm: (xs, a, ctx) => (channelLastOnWasm(xs[0]!, a.axis, ctx) ? batchNormHeap(xs[0]!, xs[1]!, xs[2]!, a.eps) : nnEvaluators.batchNorm(xs, a)),
  batchNormInfer: (xs, a, ctx) =>
    channelLastOnWasm(xs[0]!, a.axis, ctx) ? batchNormInferHeap(xs[0]!, xs[1]!, xs[2]!, xs[3]!, xs[4]!, a.eps) : nnEvaluators.batchNormInfer(xs, a),
  channelStat: (xs, a, ctx) => (channelLastOnWasm(xs[0]!, a.axis, ctx) ? channelStatHeap(xs[0]!, a.stat) : nnEvaluators.channelStat(xs, a)),
  batchNormGrad: (xs, a, ctx) =>
    channelLastOnWasm(xs[0]!, a.axis, ctx) ? batchNormGradHeap(xs[0]!, xs[1]!, xs[2]!, a.eps, a.which) : nnEvaluators.batchNormGrad(xs, a),
  // from the saved output y: dy * y * (1 - y), dy * [y > 0], dy * (1 - y^2)
  sigmoidGrad: ([y, dy]) => tf.mul(dy!, tf.mul(y!, tf.sub(1, y!))),
  reluGrad: ([y, dy], _a, ctx) => (isWasm(ctx.backend) && y!.dtype === 'float32' && dy!.dtype === 'float32' && y!.size === dy!.size ? reluGradHeap(y!, dy!) : tf.mul(dy!, tf.step(y!))),
  tanhGrad: ([y, dy]) => tf.mul(dy!, tf.sub(1, tf.square(y!))),
} satisfies {
  [O in 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'correctCount' | 'invalidCount' | 'softmaxCrossEntropyGrad' | 'dropout' | 'batchNorm' | 'batchNormInfer' | 'channelStat' | 'batchNormGrad' | 'sigmoidGrad' | 'reluGrad' | 'tanhGrad']: Lowering<O>
}

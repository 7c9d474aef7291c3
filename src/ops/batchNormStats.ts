/**
 * Batch norm's running statistics: batchNormInfer, the inference form (inputs x, gamma, beta, mean, var,
 * each [C] but x, normalizing with the given statistics), and channelStat, the per-channel statistic of
 * a batch a training step folds into the running ones. On wasm with the channel axis last both run as
 * one-pass heap kernels.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import { normAxis, showShape } from '../ir/shape.js'
import { channelParams, onChannelLast } from './batchNorm.js'
import { batchNormInferHeap, channelStatHeap } from './kernels/batch-norm-heap.js'
import { add, constant, div, mul, noGrad, reshape, sub, sum } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { axisLayout } from './shared/layout.js'
import type { Plain } from './shared/eval.js'
import type { Lowering } from './shared/lower.js'
import { type OnnxEmitter, alongAxis, attr, cannot } from './shared/onnx.js'
import { canonicalAxis, noFold, noSimplify } from './shared/rewrites.js'
import { arity, ok, shapeError } from './shared/shape-rules.js'
import { axesOf } from './shared/tensors.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** Inference-mode batch normalization with given statistics: inputs (x, gamma, beta, mean, var), each [C] but x. */
    batchNormInfer: { readonly axis: number; readonly eps: number }
    /**
     * A per-channel statistic of x over all axes but `axis`: [C]. 'mean', or 'unbiasedVar' (divides by
     * count - 1, as PyTorch's running variance; 0 for a single element). No gradient.
     */
    channelStat: { readonly axis: number; readonly stat: 'mean' | 'unbiasedVar' }
  }
}

const referenceInfer: Plain<'batchNormInfer'> = ([x, gamma, beta, mean, variance], a) => {
  const ax = axesOf([a.axis], x!.rank)[0]!
  const channel = x!.shape.map((d, i) => (i === ax ? d : 1))
  const scale = tf.mul(tf.reshape(gamma!, channel), tf.rsqrt(tf.add(tf.reshape(variance!, channel), a.eps)))
  return tf.add(tf.mul(tf.sub(x!, tf.reshape(mean!, channel)), scale), tf.reshape(beta!, channel))
}

const referenceStat: Plain<'channelStat'> = ([x], a) => {
  const ax = axesOf([a.axis], x!.rank)[0]!
  const axes = x!.shape.map((_, i) => i).filter((i) => i !== ax)
  const mean = tf.mean(x!, axes)
  if (a.stat === 'mean') return mean
  const count = axes.reduce((m, i) => m * x!.shape[i]!, 1)
  const keep = x!.shape.map((d, i) => (i === ax ? d : 1))
  return tf.div(tf.sum(tf.square(tf.sub(x!, tf.reshape(mean, keep))), axes), Math.max(count - 1, 1))
}

/** gamma * (x - mean) / sqrt(var + eps) + beta, the statistics [C] broadcast along `axis`. */
const onnxNormalize = (b: OnnxEmitter, x: string, [gamma, beta, mean, variance]: readonly string[], axis: number, rank: number, eps: number): string => {
  const along = (v: string) => alongAxis(b, v, axis, rank)
  const scale = b.op('Div', [along(gamma!), b.op('Sqrt', [b.op('Add', [along(variance!), b.scalar(eps)])])])
  return b.op('Add', [b.op('Mul', [b.op('Sub', [x, along(mean!)]), scale]), along(beta!)])
}

/**
 * batchNormInfer and channelStat.
 * @example mk('channelStat', [x], { axis: 1, stat: 'unbiasedVar' }) // [N, C, H, W] -> [C]
 */
export const batchNormStatsOps = {
  batchNormInfer: {
    shape: (i, a) =>
      pipe(
        arity('batchNormInfer', i, 5),
        E.chain(([x, ...ps]) => pipe(channelParams('batchNormInfer', x!.shape, a.axis, ps as Node[]), E.map(() => x!.shape))),
        E.chain((s) => ok(s)),
      ),
    // y = (x - mean) * gamma / sqrt(var + eps) + beta with the statistics held constant (as frozen BatchNorm)
    grad: (y, dy, need) => {
      const [x, gamma, , mean, variance] = y.inputs as [Node, Node, Node, Node, Node]
      const ax = normAxis(y.attrs.axis, x.shape.length)!
      const channel = (p: Node) => reshape(p, x.shape.map((d, i) => (i === ax ? d : 1)))
      const reduced = x.shape.map((_, i) => i).filter((i) => i !== ax)
      const invStd = div(constant(1), mk('sqrt', [add(channel(variance), constant(y.attrs.eps))], {}))
      return [
        need[0] ? mul(dy, mul(channel(gamma), invStd)) : undefined,
        need[1] ? sum(mul(dy, mul(sub(x, channel(mean)), invStd)), reduced, false) : undefined,
        need[2] ? sum(dy, reduced, false) : undefined,
        undefined,
        undefined,
      ]
    },
    eval: referenceInfer,
    lower: { default: referenceInfer, wasm: onChannelLast((xs, a) => batchNormInferHeap(xs[0]!, xs[1]!, xs[2]!, xs[3]!, xs[4]!, a.eps), referenceInfer) },
    layout: axisLayout(true),
    fold: noFold,
    simplify: noSimplify,
    canonical: canonicalAxis,
    // ONNX's BatchNormalization where its convention (channels on axis 1) holds, else the same formula
    onnx: (ins, a, cx) => {
      const [x, ...stats] = ins
      const rank = cx.node.shape.length
      const axis = axesOf([a.axis], rank)[0]!
      return E.right(axis === 1 && rank >= 2 ? cx.b.op('BatchNormalization', ins, { epsilon: attr.float(a.eps) }) : onnxNormalize(cx.b, x!, stats, axis, rank, a.eps))
    },
  },
  channelStat: {
    shape: (i, a) =>
      pipe(
        arity('channelStat', i, 1),
        E.chain(([x]) => {
          const ax = normAxis(a.axis, x!.shape.length)
          return ax === undefined ? shapeError('channelStat', `channelStat axis ${a.axis} is out of range for ${showShape(x!.shape)}`) : ok([x!.shape[ax]!])
        }),
      ),
    grad: noGrad('channelStat (batch statistics for running averages) has no gradient'),
    eval: referenceStat,
    lower: { default: referenceStat, wasm: onChannelLast((xs, a) => channelStatHeap(xs[0]!, a.stat), referenceStat) },
    layout: axisLayout(false),
    fold: noFold,
    simplify: noSimplify,
    canonical: canonicalAxis,
    onnx: cannot('a batch statistic used by training steps to update running statistics'),
  },
} satisfies OpFamily<'batchNormInfer' | 'channelStat'>

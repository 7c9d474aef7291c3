/**
 * Training-mode batch normalization over all axes but `axis`: inputs (x, gamma, beta) or (x, gamma, beta,
 * runningMean, runningVar). The output always uses the batch's statistics (biased variance); the running
 * inputs only tie the layer's buffers to the node, so a training step can emit their update
 * `(1 - momentum) * running + momentum * batch` (unbiased variance, as PyTorch; channelStat computes the
 * batch's) and the inference form swaps the node for `batchNormInfer` over them (batchNormStats.ts). They
 * get no gradient. Its gradient primitive is batchNormGrad, stacked by `which`.
 *
 * On wasm, with the channel axis last (the layout pass arranges that for images), batch norm and its
 * gradients run as one-pass kernels on the wasm heap (src/ops/kernels/batch-norm-heap.ts), and the
 * gradients of one x, gamma and dy (x, gamma, beta) come from one shared pass (the `batchNormGrads` pattern).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, isOp, mk } from '../ir/node.js'
import { type RShape, ShapeError, showShape } from '../ir/shape.js'
import { batchNormGradHeap, batchNormGradsHeap, batchNormHeap } from './kernels/batch-norm-heap.js'
import { onWasm } from './kernels/wasm-heap.js'
import { constant as scalar, noGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { type LayoutRule, axisIn, axisLayout, inOriginalLayout, placed } from './shared/layout.js'
import { inForm, original } from './shared/layout-forms.js'
import type { Plain } from './shared/eval.js'
import type { Lowering } from './shared/lower.js'
import type { FusionPattern } from './shared/patterns.js'
import { ExportError, alongAxis, gradientPrimitive, onnxReduce } from './shared/onnx.js'
import { canonicalAxis, noFold, noSimplify } from './shared/rewrites.js'
import { arity, ok } from './shared/shape-rules.js'
import { axesOf } from './shared/tensors.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    batchNorm: { readonly axis: number; readonly eps: number; readonly momentum?: number }
    /** Gradients of batchNorm w.r.t. (x, gamma, beta), stacked by `which`: inputs (x, gamma, dy). */
    batchNormGrad: { readonly axis: number; readonly eps: number; readonly which: 'x' | 'gamma' | 'beta' }
  }
}

/** The per-channel parameters `ps` of a normalization of `x` are [C], C = x's size along `axis`. @example channelParams('batchNorm', x.shape, 1, [gamma, beta]) */
export const channelParams = (op: string, x: RShape, axis: number, ps: readonly Node[]): E.Either<ShapeError, void> => {
  const c = x[axis]
  const bad = ps.find((p) => p.shape.length !== 1 || (p.shape[0] !== c && typeof c === 'number'))
  return bad ? E.left(new ShapeError(op, `${op} expects parameters of shape [${c}] but got ${showShape(bad.shape)}`)) : E.right(undefined)
}

/**
 * A lowering that runs `heap` where the wasm heap kernels apply (float32 x with its channel `axis` last)
 * and `otherwise` elsewhere.
 * @example wasm: onChannelLast((xs, a) => batchNormHeap(xs[0]!, xs[1]!, xs[2]!, a.eps), reference)
 */
export const onChannelLast =
  <O extends 'batchNorm' | 'batchNormGrad' | 'batchNormInfer' | 'channelStat'>(heap: Lowering<O>, otherwise: Lowering<O>): Lowering<O> =>
  (xs, a, ctx) => {
    const x = xs[0]!
    return onWasm() && x.dtype === 'float32' && axesOf([a.axis], x.rank)[0] === x.rank - 1 ? heap(xs, a, ctx) : otherwise(xs, a, ctx)
  }

/**
 * wasm: batch norm's gradients (x, gamma, beta) of the same x, gamma and dy from one call, which computes
 * the moments of x and dy once instead of once per gradient.
 */
const batchNormGrads: FusionPattern = (anchor, graph) => {
  if (!isOp(anchor, 'batchNormGrad') || anchor.dtype !== 'float32' || !onWasm()) return undefined
  const [x, gamma, dy] = anchor.inputs as [Node, Node, Node]
  const a = anchor.attrs
  if (axesOf([a.axis], x.shape.length)[0] !== x.shape.length - 1) return undefined
  const grads = graph
    .users(x)
    .filter((u): u is Node<'batchNormGrad'> => isOp(u, 'batchNormGrad') && u.inputs[1] === gamma && u.inputs[2] === dy && u.attrs.eps === a.eps && u.attrs.axis === a.axis && !graph.claimed(u))
  if (grads.length < 2) return undefined
  return {
    pattern: 'batchNormGrads',
    inputs: [x, gamma, dy],
    outputs: grads,
    dead: [],
    run: ([xv, g, dyv]) => batchNormGradsHeap(xv!, g!, dyv!, a.eps, grads.map((n) => n.attrs.which)),
  }
}

/** Per-channel statistics of the batch: the reduced axes, xhat, 1/sqrt(var + eps), element count. */
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

const reference: Plain<'batchNorm'> = ([x, gamma, beta], a) => {
  const s = normalize(x!, a.axis, a.eps)
  return tf.add(tf.mul(s.xhat, tf.reshape(gamma!, s.channel)), tf.reshape(beta!, s.channel))
}

const referenceGrad: Plain<'batchNormGrad'> = ([x, gamma, dy], a) => {
  const s = normalize(x!, a.axis, a.eps)
  if (a.which === 'beta') return tf.sum(dy!, s.axes)
  if (a.which === 'gamma') return tf.sum(tf.mul(dy!, s.xhat), s.axes)
  // dx = gamma * invStd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))
  const inner = tf.sub(tf.sub(tf.mul(dy!, s.count), tf.sum(dy!, s.axes, true)), tf.mul(s.xhat, tf.sum(tf.mul(dy!, s.xhat), s.axes, true)))
  return tf.mul(tf.div(tf.mul(tf.reshape(gamma!, s.channel), s.invStd), s.count), inner)
}

/** Layout: on a permuted x, dy comes in x's form too; dx keeps that form, dgamma and dbeta are [C]. */
const gradLayout: LayoutRule<'batchNormGrad'> = (n, get) => {
  const [x, gamma, dy] = n.inputs.map(get) as [ReturnType<typeof get>, ReturnType<typeof get>, ReturnType<typeof get>]
  if (x.form.kind !== 'perm') return inOriginalLayout(n, get)
  const attrs = { ...n.attrs, axis: axisIn(x.form, n.attrs.axis, x.form.perm.length) }
  const node = mk('batchNormGrad', [x.node, original(gamma), inForm(dy, x.form.perm)], attrs)
  return n.attrs.which === 'x' ? placed(node, x.form) : placed(node)
}

/**
 * batchNorm and batchNormGrad.
 * @example mk('batchNorm', [x, gamma, beta, runningMean, runningVar], { axis: 1, eps: 1e-5, momentum: 0.1 })
 */
export const batchNormOps = {
  batchNorm: {
    shape: (i, a) =>
      pipe(
        arity('batchNorm', i, [3, 5]),
        E.chain(([x, ...ps]) => pipe(channelParams('batchNorm', x!.shape, a.axis, ps as Node[]), E.map(() => x!.shape))),
        E.chain((s) => ok(s)),
      ),
    grad: (y, dy, need) => {
      const [x, gamma] = y.inputs
      const part = (which: 'x' | 'gamma' | 'beta') => mk('batchNormGrad', [x!, gamma!, dy], { ...y.attrs, which })
      // the running statistics (inputs 3, 4) only feed the step's buffer update: no gradient
      return [need[0] ? part('x') : undefined, need[1] ? part('gamma') : undefined, need[2] ? part('beta') : undefined, undefined, undefined]
    },
    eval: reference,
    lower: { default: reference, wasm: onChannelLast((xs, a) => batchNormHeap(xs[0]!, xs[1]!, xs[2]!, a.eps), reference) },
    layout: axisLayout(true),
    fold: noFold,
    simplify: noSimplify,
    canonical: canonicalAxis,
    // without running statistics: the batch's own mean and biased variance, as the reference computes them
    // (so an exported prediction depends on the rest of its batch)
    onnx: (ins, a, cx) => {
      if (ins.length !== 3)
        return E.left(new ExportError(`cannot export op batchNorm (node #${cx.node.id}) with running statistics: rewrite the graph with inferenceForm first`, cx.node))
      const [x, gamma, beta] = ins as [string, string, string]
      const rank = cx.node.shape.length
      const axis = axesOf([a.axis], rank)[0]!
      const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)
      const b = cx.b
      const centered = b.op('Sub', [x, onnxReduce(b, 'ReduceMean', x, others, true)])
      const variance = onnxReduce(b, 'ReduceMean', b.op('Mul', [centered, centered]), others, true)
      const xhat = b.op('Div', [centered, b.op('Sqrt', [b.op('Add', [variance, b.scalar(a.eps)])])])
      return E.right(b.op('Add', [b.op('Mul', [xhat, alongAxis(b, gamma, axis, rank)]), alongAxis(b, beta, axis, rank)]))
    },
    // eval mode: normalize with the running statistics
    inference: (n, ins) => (ins.length === 5 ? mk('batchNormInfer', ins, { axis: n.attrs.axis, eps: n.attrs.eps }) : undefined),
    // (1 - momentum) * running + momentum * batch, with the batch's unbiased variance (as PyTorch)
    bufferUpdates: (n) => {
      if (n.inputs.length !== 5) return []
      const m = n.attrs.momentum ?? 0.1
      const update = (running: Node, stat: 'mean' | 'unbiasedVar') => {
        const batch = mk('channelStat', [n.inputs[0]!], { axis: n.attrs.axis, stat })
        return mk('add', [mk('mul', [running, scalar(1 - m)], {}), mk('mul', [batch, scalar(m)], {})], {})
      }
      return [
        { buffer: n.inputs[3]!, what: 'running mean', update: update(n.inputs[3]!, 'mean') },
        { buffer: n.inputs[4]!, what: 'running variance', update: update(n.inputs[4]!, 'unbiasedVar') },
      ]
    },
  },
  batchNormGrad: {
    shape: (i, a) => pipe(arity('batchNormGrad', i, 3), E.chain(([x, g]) => ok(a.which === 'x' ? x!.shape : g!.shape))),
    grad: noGrad('second derivatives of cross-entropy and batch norm are not supported'),
    eval: referenceGrad,
    lower: { default: referenceGrad, wasm: onChannelLast((xs, a) => batchNormGradHeap(xs[0]!, xs[1]!, xs[2]!, a.eps, a.which), referenceGrad) },
    patterns: { wasm: [batchNormGrads] },
    layout: gradLayout,
    fold: noFold,
    simplify: noSimplify,
    canonical: canonicalAxis,
    onnx: gradientPrimitive,
  },
} satisfies OpFamily<'batchNorm' | 'batchNormGrad'>

/**
 * Softmax cross-entropy of logits [B, C] against int32 labels [B] (the mean over the batch, a scalar []),
 * its gradient primitive softmaxCrossEntropyGrad, and correctCount (rows whose first maximum is the
 * label: accuracy's numerator). On wasm, the loss and its gradient on the same logits run as one heap
 * pass (the multi-node pattern `softmaxCE` below, planned by src/compile/lower/fusion.ts).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, isOp, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { type RShape, ShapeError, showShape } from '../ir/shape.js'
import { softmaxCrossEntropy as fusedSoftmaxCrossEntropy } from './kernels/index.js'
import { logSoftmaxOf, softmaxOf } from './softmax.js'
import { noGrad, zeroGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { cannot, gradientPrimitive } from './shared/onnx.js'
import type { FusedCall, FusionPattern } from './shared/patterns.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, ok } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** Mean softmax cross-entropy of logits [B,C] against int labels [B]: a scalar []. */
    softmaxCrossEntropy: None
    /** d(mean CE)/dlogits = (softmax(logits) - onehot(labels)) * g / B: inputs (logits, labels, g). */
    softmaxCrossEntropyGrad: None
    /** How many rows of logits [B,C] have their (first) maximum at the int label [B]: a float32 scalar [] (no gradient). */
    correctCount: None
  }
}

/** Logits [N, C] and int32 labels [N]. */
const crossEntropyCheck = (logits: RShape, labels: Node): E.Either<ShapeError, void> =>
  logits.length !== 2
    ? E.left(new ShapeError('crossEntropy', `crossEntropy expects logits [N, C] but got ${showShape(logits)}`, [logits]))
    : labels.shape.length !== 1 || (labels.shape[0] !== logits[0] && typeof labels.shape[0] === 'number' && typeof logits[0] === 'number')
      ? E.left(new ShapeError('crossEntropy', `crossEntropy expects labels [${logits[0]}] but got ${showShape(labels.shape)}`, [logits, labels.shape]))
      : labels.dtype !== 'int32'
        ? E.left(new ShapeError('crossEntropy', `crossEntropy expects int32 labels but got ${labels.dtype}`))
        : E.right(undefined)

const oneHot = (labels: tf.Tensor, classes: number): tf.Tensor => tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes)
const plain = { layout: inOriginalLayout, fold: noFold, simplify: noSimplify, canonical: asWritten } as const

/**
 * How a softmaxCrossEntropyGrad's seed g scales dLogits: a constant (a fill: no input to wait for; 1
 * means nothing to do) or a value the call must read.
 */
const seedOf = (grad: Node): number | Node => {
  const g = grad.inputs[2]!
  return isOp(g, 'fill') ? g.attrs.value : g
}

/**
 * wasm: softmaxCrossEntropy and/or softmaxCrossEntropyGrad on the same [B, K] float32 logits and labels
 * in one heap pass (the grad's seed g multiplies dLogits unless it is the constant 1). Anchored at
 * either op, whichever comes first.
 */
const softmaxCE: FusionPattern = (anchor, graph) => {
  if (!(isOp(anchor, 'softmaxCrossEntropy') || isOp(anchor, 'softmaxCrossEntropyGrad'))) return undefined
  const [logits, labels] = anchor.inputs as [Node, Node]
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) return undefined
  // anchors come in topo order, so an unclaimed partner comes after the anchor
  const partner = graph
    .users(logits)
    .find((u) => u.op !== anchor.op && (isOp(u, 'softmaxCrossEntropy') || isOp(u, 'softmaxCrossEntropyGrad')) && u.inputs[1] === labels && !graph.claimed(u))
  const loss = [anchor, partner].find((n) => n?.op === 'softmaxCrossEntropy')
  let grad = [anchor, partner].find((n) => n?.op === 'softmaxCrossEntropyGrad')
  // a computed seed must be ready when the call runs; otherwise the grad keeps its own lowering
  const seed = grad && seedOf(grad)
  if (grad !== anchor && typeof seed === 'object' && graph.position(seed) >= graph.position(anchor)) grad = undefined
  const read = grad && typeof seed === 'object' ? [seed] : []
  return {
    pattern: 'softmaxCrossEntropy',
    inputs: [logits, labels, ...read],
    outputs: [...(loss ? [loss] : []), ...(grad ? [grad] : [])],
    dead: [],
    run: ([z, l, g]) => {
      const r = fusedSoftmaxCrossEntropy(z as tf.Tensor2D, l as tf.Tensor1D)
      if (!grad) {
        r.dLogits.dispose()
        return [r.loss]
      }
      if (!loss) r.loss.dispose()
      if (g === undefined && seed === 1) return [...(loss ? [r.loss] : []), r.dLogits]
      const dLogits = tf.mul(r.dLogits, g ?? (seed as number))
      r.dLogits.dispose()
      return [...(loss ? [r.loss] : []), dLogits]
    },
  } satisfies FusedCall
}

/**
 * softmaxCrossEntropy, softmaxCrossEntropyGrad and correctCount.
 * @example mk('softmaxCrossEntropy', [logits, labels], {}) // [N, 10] and int32 [N] -> []
 */
export const crossEntropyOps = {
  softmaxCrossEntropy: {
    ...plain,
    shape: (i) => pipe(arity('crossEntropy', i, 2), E.chain(([l, y]) => crossEntropyCheck(l!.shape, y!)), E.chain(() => ok([]))),
    grad: (y, dy) => [mk('softmaxCrossEntropyGrad', [y.inputs[0]!, y.inputs[1]!, dy], {}), undefined],
    eval: ([logits, labels]) => tf.neg(tf.mean(tf.sum(tf.mul(oneHot(labels!, logits!.shape[1]!), logSoftmaxOf(logits!, 1)), 1))),
    // -sum(onehot * logSoftmax) / B
    lower: ([logits, labels]) => tf.div(tf.neg(tf.sum(tf.mul(tf.oneHot(labels as tf.Tensor1D, logits!.shape[1]!), tf.logSoftmax(logits!)))), logits!.shape[0]!),
    onnx: cannot('a loss; export the logits it is computed from'),
    patterns: { wasm: [softmaxCE] },
  },
  softmaxCrossEntropyGrad: {
    ...plain,
    shape: (i) =>
      pipe(arity('softmaxCrossEntropyGrad', i, 3), E.chain(([l, y]) => pipe(crossEntropyCheck(l!.shape, y!), E.map(() => l!.shape))), E.chain((s) => ok(s))),
    grad: noGrad('second derivatives of cross-entropy and batch norm are not supported'),
    eval: ([logits, labels, g]) => tf.mul(tf.sub(softmaxOf(logits!, 1), oneHot(labels!, logits!.shape[1]!)), tf.div(g!, logits!.shape[0]!)),
    // (softmax - onehot) * g / B
    lower: ([logits, labels, g]) => tf.mul(tf.sub(tf.softmax(logits!), tf.oneHot(labels as tf.Tensor1D, logits!.shape[1]!)), tf.div(g!, logits!.shape[0]!)),
    onnx: gradientPrimitive,
    patterns: { wasm: [softmaxCE] },
  },
  correctCount: {
    ...plain,
    shape: (i) => pipe(arity('correctCount', i, 2), E.chain(([l, y]) => crossEntropyCheck(l!.shape, y!)), E.chain(() => ok([]))),
    // a count of argmax hits is piecewise constant in the logits
    grad: zeroGrad,
    eval: ([logits, labels]) => tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), tf.cast(labels!, 'int32')), 'float32')),
    lower: ([logits, labels]) => tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), labels!), 'float32')),
    onnx: cannot('a metric; export the logits it is computed from'),
  },
} satisfies OpFamily<'softmaxCrossEntropy' | 'softmaxCrossEntropyGrad' | 'correctCount'>

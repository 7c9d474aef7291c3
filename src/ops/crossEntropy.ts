/**
 * Softmax cross-entropy of logits [B, C] against int32 labels [B] (the mean over the batch, a scalar []),
 * its gradient primitive softmaxCrossEntropyGrad, and correctCount (rows whose first maximum is the
 * label: accuracy's numerator). On wasm, the loss and its gradient on the same logits run as one heap
 * pass (the multi-node pattern of src/compile/lower/fused-grads.ts).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { type RShape, ShapeError, showShape } from '../ir/shape.js'
import { logSoftmaxOf, softmaxOf } from './softmax.js'
import { noGrad, zeroGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { cannot, gradientPrimitive } from './shared/onnx.js'
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

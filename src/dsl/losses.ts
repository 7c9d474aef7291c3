/**
 * Losses and metrics as graph builders over a model's output and its targets, for `fit` and `evaluate`.
 * A loss is the scalar mean over the batch that gradients are taken of (as PyTorch's `reduction='mean'`);
 * a classifier's loss also counts its correct examples, which gives accuracy. A metric is a per-batch
 * sum; the training loop adds the sums up on the device (a Monoid) and divides by the example count.
 */
import type { Shape } from '../types/shape.js'
import { type Expr, expr } from './expr.js'
import { type Node, mk } from './node.js'
import type { DType } from './ops.js'
import { type RShape, ShapeError, showShape } from './shape.js'

/** How a loss scores a batch; `T` is its targets' element type. */
export interface Loss<T extends DType = DType> {
  readonly name: string
  /** The targets' element type and their shape for a given output shape (e.g. labels [N] for logits [N, C]). */
  readonly target: { readonly dtype: T; readonly shape: (output: RShape) => RShape }
  /** The mean loss over the batch: a scalar. */
  readonly mean: (output: Node, target: Node) => Node
  /** The number of correct examples in the batch (classifiers only). */
  readonly correct?: (output: Node, target: Node) => Node
  /**
   * The number of target values this loss cannot use (labels outside the classes; non-finite floats).
   * Default: non-finite float targets; int targets unchecked.
   */
  readonly invalidTargets?: (output: Node, target: Node) => Node
}

/** A metric: its per-batch sum, averaged over examples by the training loop. */
export interface Metric {
  readonly name: string
  readonly sum: (output: Node, target: Node) => Node
}

const scalar = (value: number): Node => mk('fill', [], { value }, [], 'float32')
const allAxes = (n: Node) => n.shape.map((_, i) => i)
const total = (n: Node): Node => mk('sum', [n], { axes: allAxes(n), keepDims: false })
const average = (n: Node): Node => mk('mean', [n], { axes: allAxes(n), keepDims: false })
/** Elements per example: the product of the non-batch dims (they are known for a model's output). */
const perExample = (n: Node): number => n.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1)
const sameAsOutput = (output: RShape): RShape => output

const classes = (output: RShape): RShape => {
  if (output.length < 2) throw new ShapeError('crossEntropy', `crossEntropy expects logits [N, C] but got ${showShape(output)}`, [output])
  return output.slice(0, -1)
}
/** Logits [N, ..., C] as rows [N * ..., C], labels [N, ...] as [N * ...] (a sequence's positions are rows too). */
const rows = (logits: Node): Node => (logits.shape.length === 2 ? logits : mk('reshape', [logits], { shape: [-1, logits.shape[logits.shape.length - 1]!] }))
const flatLabels = (labels: Node): Node => (labels.shape.length === 1 ? labels : mk('reshape', [labels], { shape: [-1] }))
/** Positions per example of logits [N, ..., C]: the product of the dims between N and C. */
const positions = (logits: Node): number => perExample(logits) / (logits.shape[logits.shape.length - 1] as number)

/**
 * Softmax cross-entropy of logits [N, C] against int32 class labels [N] (PyTorch's `nn.CrossEntropyLoss`);
 * accuracy counts rows whose argmax is the label. Logits [N, ..., C] (a sequence's per-position classes)
 * take labels [N, ...]: the loss is the mean over every position, accuracy the fraction of positions right.
 * @example fit(model, { loss: crossEntropy, ... })
 */
export const crossEntropy: Loss<'int32'> = {
  name: 'crossEntropy',
  target: { dtype: 'int32', shape: classes },
  mean: (output, target) => mk('softmaxCrossEntropy', [rows(output), flatLabels(target)], {}),
  correct: (output, target) => {
    const hits = mk('correctCount', [rows(output), flatLabels(target)], {})
    return output.shape.length === 2 ? hits : mk('div', [hits, scalar(positions(output))], {})
  },
  invalidTargets: (output, target) => mk('invalidCount', [target], { check: 'classRange', classes: output.shape[output.shape.length - 1] as number }),
}

/**
 * Binary cross-entropy of logits against float32 targets in [0, 1] of the same shape, computed stably as
 * `max(x, 0) - x * y + log(1 + exp(-|x|))` (PyTorch's `nn.BCEWithLogitsLoss`); accuracy counts the
 * elements whose sign agrees with the target (> 0.5), averaged per example.
 * @example fit(model, { loss: binaryCrossEntropy, ... }) // output [N, 1], targets [N, 1]
 */
export const binaryCrossEntropy: Loss<'float32'> = {
  name: 'binaryCrossEntropy',
  target: { dtype: 'float32', shape: sameAsOutput },
  mean: (x, y) => {
    const abs = mk('add', [mk('relu', [x], {}), mk('relu', [mk('neg', [x], {})], {})], {})
    const softplus = mk('log', [mk('add', [scalar(1), mk('exp', [mk('neg', [abs], {})], {})], {})], {})
    return average(mk('add', [mk('sub', [mk('relu', [x], {}), mk('mul', [x, y], {})], {}), softplus], {}))
  },
  correct: (x, y) => {
    const miss = mk('square', [mk('sub', [mk('greater', [x, scalar(0)], {}), mk('greater', [y, scalar(0.5)], {})], {})], {})
    return mk('div', [total(mk('sub', [scalar(1), miss], {})), scalar(perExample(x))], {})
  },
}

/**
 * Mean squared error against float32 targets of the output's shape (PyTorch's `nn.MSELoss`): regression.
 * @example fit(model, { loss: mse, ... }) // output [N, 1], targets [N, 1]
 */
export const mse: Loss<'float32'> = {
  name: 'mse',
  target: { dtype: 'float32', shape: sameAsOutput },
  mean: (output, target) => average(mk('square', [mk('sub', [output, target], {})], {})),
}

/**
 * A user-written loss: `f` maps the batch's output and targets to their mean loss (a scalar `Expr`).
 * Targets are float32 shaped as the output unless `target` says otherwise.
 *
 * @example
 * const huber = loss('huber', (y, t) => F.mean(F.sqrt(F.add(F.square(F.sub(y, t)), fill([], 1)))))
 */
export const loss = <T extends DType = 'float32'>(
  name: string,
  f: (output: Expr<Shape>, target: Expr<Shape, T>) => Expr<readonly [], 'float32'>,
  target?: { readonly dtype: T; readonly shape?: (output: RShape) => RShape },
): Loss<T> => ({
  name,
  target: { dtype: target?.dtype ?? ('float32' as T), shape: target?.shape ?? sameAsOutput },
  mean: (output, t) => f(expr(output), expr<Shape, T>(t)).node,
})

/**
 * A user metric from its per-batch sum (e.g. the summed absolute error); reported averaged over examples.
 * Targets are typed float32 (regression) unless `T` says otherwise.
 * @example const mae = metric('mae', (y, t) => F.sum(F.sqrt(F.square(F.sub(y, t)))))
 */
export const metric = <T extends DType = 'float32'>(name: string, sum: (output: Expr<Shape>, target: Expr<Shape, T>) => Expr<readonly [], 'float32'>): Metric => ({
  name,
  sum: (output, target) => sum(expr(output), expr<Shape, T>(target)).node,
})

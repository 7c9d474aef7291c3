/**
 * The reductions sum, mean and max over `axes` (none: the identity), keeping them as size-1 dims or not.
 * Their gradients spread the output gradient back with broadcastTo. tfjs-wasm reduces only innermost axes
 * and transposes first otherwise, so on wasm a sum or mean over leading axes (a bias gradient: N, H, W of
 * an NHWC tensor) runs as one global average pooling: ~0.6 ms instead of ~6 ms at LeNet's first layer (a
 * GEMM with a row of ones is no better: XNNPACK repacks the fresh operand on every call).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import type { Op } from '../ir/ops.js'
import { type RShape, normAxis, showShape } from '../ir/shape.js'
import type { ReduceAttrs } from './shared/attrs.js'
import { constant, mul, reciprocalCount, spread, sub } from './shared/grad.js'
import type { OpFamily, OpImpl } from './shared/impl.js'
import { type LayoutRule, axisIn, placed } from './shared/layout.js'
import { original } from './shared/layout-forms.js'
import type { Lowering } from './shared/lower.js'
import { type OnnxRule, onnxReduce } from './shared/onnx.js'
import { type Folder, canonicalAxes, fillLike, fillValue, keepAs, reducedCount } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'
import { columnSums } from './kernels/index.js'
import { axesOf, reduceWith } from './shared/tensors.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    sum: ReduceAttrs
    mean: ReduceAttrs
    max: ReduceAttrs
  }
}

/** The shape of a reduction of x. @example reduceShape('sum', ['N', 10], { axes: [0], keepDims: false }) // Right([10]) */
export const reduceShape = (op: string, x: RShape, a: ReduceAttrs): RuleResult => {
  const axes = a.axes.map((ax) => normAxis(ax, x.length))
  if (axes.some((ax) => ax === undefined)) return shapeError(op, `${op} axes [${a.axes.join(', ')}] out of range for ${showShape(x)}`, x)
  const set = new Set(axes)
  return ok(a.keepDims ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i)))
}

/** Layout: the axes renumbered into the input's form; reduced axes drop out of the form. */
const reduceLayout: LayoutRule<'sum' | 'mean' | 'max'> = (n, get) => {
  const x = get(n.inputs[0]!)
  if (x.form.kind === 'flat') return placed(mk(n.op, [original(x)], n.attrs))
  const rank = x.node.shape.length
  const node = mk(n.op, [x.node], { ...n.attrs, axes: n.attrs.axes.map((a) => axisIn(x.form, a, rank)) })
  if (n.attrs.keepDims) return placed(node, x.form)
  const gone = new Set(n.attrs.axes.map((a) => normAxis(a, rank)!))
  const kept = x.form.perm.filter((a) => !gone.has(a))
  const rankOf = (a: number): number => kept.filter((b) => b < a).length
  return placed(node, { kind: 'perm', perm: kept.map(rankOf) })
}

/** A sum over leading axes as the SIMD column sums of x viewed as [M, rest] (wasm), with the count M. */
const leadingSum = (x: tf.Tensor, a: ReduceAttrs): { sum: tf.Tensor; count: number } | undefined => {
  const axes = axesOf(a.axes, x.rank).sort((p, q) => p - q)
  if (x.dtype !== 'float32' || x.size === 0 || axes.length === 0 || axes.length === x.rank || !axes.every((ax, i) => ax === i)) return undefined
  const m = x.shape.slice(0, axes.length).reduce((p, q) => p * q, 1)
  const rest = x.shape.slice(axes.length)
  const sums = columnSums(tf.reshape(x, [m, rest.reduce((p, q) => p * q, 1)]))
  return { sum: tf.reshape(sums, a.keepDims ? [...axes.map(() => 1), ...rest] : rest), count: m }
}

/**
 * The lowering of one reduction: tfjs's, or (`leading`, wasm) the column-sums form where it applies
 * (tfjs-wasm's Sum transposes leading axes to the end first: a full copy of x).
 */
const reduction =
  (f: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor, leading?: (r: { sum: tf.Tensor; count: number }) => tf.Tensor): Lowering<'sum' | 'mean' | 'max'> =>
  ([x], a) => {
    const r = leading && leadingSum(x!, a)
    return r ? leading(r) : reduceWith(f)(x!, a)
  }

/** No axes is the identity, as the shape rule says (ONNX would reduce everything). */
const onnxReduction =
  (opType: 'ReduceSum' | 'ReduceMean' | 'ReduceMax'): OnnxRule<'sum' | 'mean' | 'max'> =>
  (ins, a, cx) =>
    E.right(a.axes.length === 0 ? cx.b.op('Identity', ins) : onnxReduce(cx.b, opType, ins[0]!, a.axes, a.keepDims))

/** What the three reductions share; `grad`, `eval`, `lower`, `fold` and `onnx` are each one's own. */
const reductionOp = <O extends 'sum' | 'mean' | 'max'>(op: O, spec: Pick<OpImpl<O>, 'grad' | 'eval' | 'lower' | 'fold' | 'onnx'>): OpImpl<O> => ({
  ...spec,
  shape: (i, a) => pipe(arity(op, i, 1), E.chain(([x]) => reduceShape(op, x!.shape, a))),
  layout: reduceLayout as LayoutRule<Op>,
  // over no axes, or only size-1 axes: x (or a reshape of it)
  simplify: (n) => {
    const x = n.inputs[0]!
    const unit = n.attrs.axes.every((a) => x.shape[a < 0 ? a + x.shape.length : a] === 1)
    return unit ? (keepAs(n, x) ?? mk('reshape', [x], { shape: n.shape })) : undefined
  },
  canonical: canonicalAxes,
})

const tfSum = (t: tf.Tensor, ax: number[], k: boolean) => tf.sum(t, ax, k)
const tfMean = (t: tf.Tensor, ax: number[], k: boolean) => tf.mean(t, ax, k)
const tfMax = (t: tf.Tensor, ax: number[], k: boolean) => tf.max(t, ax, k)
const foldAs = (value: (v: number, count: number | undefined) => number | undefined): Folder<'sum' | 'mean' | 'max'> => (n) => {
  const v = value(fillValue(n.inputs[0]!), reducedCount(n.inputs[0]!.shape, n.attrs.axes))
  return v === undefined ? undefined : fillLike(n, v)
}

/**
 * sum, mean and max.
 * @example mk('sum', [x], { axes: [0], keepDims: false }) // ['N', 10] -> [10]
 */
export const reduceOps = {
  sum: reductionOp('sum', {
    grad: (y, dy) => [spread(dy, y.inputs[0]!.shape, y.attrs)],
    eval: ([x], a) => reduceWith(tfSum)(x!, a),
    lower: { default: reduction(tfSum), wasm: reduction(tfSum, (r) => r.sum) },
    // needs every reduced size (a sum over the batch 'N' waits until N is bound)
    fold: foldAs((v, count) => (count === undefined ? undefined : v * count)),
    onnx: onnxReduction('ReduceSum'),
  }),
  mean: reductionOp('mean', {
    grad: (y, dy) => [mul(spread(dy, y.inputs[0]!.shape, y.attrs), reciprocalCount(y.inputs[0]!.shape, y.attrs.axes))],
    eval: ([x], a) => reduceWith(tfMean)(x!, a),
    lower: { default: reduction(tfMean), wasm: reduction(tfMean, (r) => tf.div(r.sum, r.count)) },
    fold: foldAs((v) => v),
    onnx: onnxReduction('ReduceMean'),
  }),
  max: reductionOp('max', {
    // Every element equal to the max gets the full gradient (as tfjs does); x <= max, so x == max is 1 - (max > x).
    grad: (y, dy) => {
      const x = y.inputs[0]!
      const isMax = sub(constant(1), mk('greater', [spread(y, x.shape, y.attrs), x], {}))
      return [mul(spread(dy, x.shape, y.attrs), isMax)]
    },
    eval: ([x], a) => reduceWith(tfMax)(x!, a),
    lower: reduction(tfMax),
    // the max of no elements is not a fill's value
    fold: foldAs((v, count) => (count === 0 ? undefined : v)),
    onnx: onnxReduction('ReduceMax'),
  }),
} satisfies OpFamily<'sum' | 'mean' | 'max'>

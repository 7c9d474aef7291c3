/**
 * What a gradient rule (each op module's `grad`) is, and the IR-building helpers the rules share
 * (broadcast reduction, constants, reduction adjoints). Rules build new IR nodes with `mk`; they never
 * compute values.
 */
import { type Node, mk } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import { type Dim, type RShape, dimProduct, isKnown, normAxis, sameShape } from '../../ir/shape.js'
import type { ReduceAttrs } from './attrs.js'

/**
 * The reverse-mode rule of op `O`: given the forward node `y = O(inputs)` and the gradient `dy` of the
 * loss w.r.t. `y` (same shape as `y`), returns the gradient w.r.t. each input (same shape as that input),
 * or `undefined` where `needed[i]` is false (the rule may skip that work) or the input gets none.
 * @example const negGrad: GradRule<'neg'> = (_y, dy) => [neg(dy)]
 */
export type GradRule<O extends Op> = (y: Node<O>, dy: Node, needed: readonly boolean[]) => readonly (Node | undefined)[]

/** Why autodiff could not differentiate a graph. @example new GradError('reluGrad', 'cannot differentiate reluGrad: ...') */
export class GradError extends Error {
  readonly _tag = 'GradError' as const
  constructor(
    readonly op: Op,
    detail: string,
  ) {
    super(`GradError: ${detail}`)
    this.name = 'GradError'
  }
}

/** The rule of a leaf (input, param, fill): it has no inputs to pass a gradient to. @example grad: leafGrad */
export const leafGrad: GradRule<Op> = () => []

/** The rule of a piecewise-constant op (e.g. greater): its inputs get no gradient (it is 0 almost everywhere). @example grad: zeroGrad */
export const zeroGrad: GradRule<Op> = (y) => y.inputs.map(() => undefined)

/** The rule of an op autodiff cannot differentiate (the gradient primitives: no second derivatives yet). @example grad: noGrad('second derivatives are not supported') */
export const noGrad =
  (why: string): GradRule<Op> =>
  (y) => {
    throw new GradError(y.op, `cannot differentiate ${y.op}: ${why}`)
  }

/** A float constant of shape `shape` (default: a scalar, which broadcasts). @example constant(1) */
export const constant = (value: number, shape: RShape = []): Node => mk('fill', [], { value }, shape, 'float32')

/** a + b (broadcasting). @example add(dy, g) */
export const add = (a: Node, b: Node): Node => mk('add', [a, b], {})
/** a - b (broadcasting). @example sub(constant(1), y) */
export const sub = (a: Node, b: Node): Node => mk('sub', [a, b], {})
/** a * b (broadcasting). @example mul(dy, y) */
export const mul = (a: Node, b: Node): Node => mk('mul', [a, b], {})
/** a / b (broadcasting). @example div(dy, x) */
export const div = (a: Node, b: Node): Node => mk('div', [a, b], {})
/** -a. @example neg(dy) */
export const neg = (a: Node): Node => mk('neg', [a], {})
/** `a` viewed as `shape`; no node when the shape is already written that way. @example reshape(dy, x.shape) */
export const reshape = (a: Node, shape: RShape): Node => (sameShape(a.shape, shape) ? a : mk('reshape', [a], { shape }))
/** Sum over `axes`. @example sum(g, [0], false) // ['N', 10] -> [10] */
export const sum = (a: Node, axes: readonly number[], keepDims: boolean): Node => mk('sum', [a], { axes, keepDims })

/**
 * Sums a gradient `g` of a broadcast result down to an operand's `shape` (numpy broadcasting's adjoint):
 * the leading axes the operand lacks and the axes where it has size 1 are summed out.
 *
 * @example
 * unbroadcast(g, [10]) // with g: ['N', 10], this is reshape(sum(g, axes [0]), [10])
 */
export const unbroadcast = (g: Node, shape: RShape): Node => {
  const lead = g.shape.length - shape.length
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []))
  // same rank: keep the summed dims as 1s, so no reshape is needed
  return reshape(axes.length === 0 ? g : sum(g, axes, lead === 0), shape)
}

/** `x.shape` with the reduced axes set to 1: the shape a non-keepDims reduction's gradient is viewed as. @example keptShape(['N', 10], { axes: [1], keepDims: false }) // ['N', 1] */
export const keptShape = (x: RShape, a: ReduceAttrs): RShape => {
  const axes = new Set(a.axes.map((ax) => normAxis(ax, x.length)))
  return x.map((d, i) => (axes.has(i) ? 1 : d))
}

/** The gradient of a reduction's output spread back over its input: broadcastTo(view(dy), x.shape). @example spread(dy, x.shape, y.attrs) */
export const spread = (dy: Node, x: RShape, a: ReduceAttrs): Node => {
  const kept = reshape(dy, keptShape(x, a))
  return sameShape(kept.shape, x) ? kept : mk('broadcastTo', [kept], { shape: x })
}

/**
 * 1 / (number of elements a reduction over `axes` of `x` averages). A symbolic count such as the batch
 * `N` is computed in the graph as sum(fill(1, [N])), which constant folding removes once N is bound.
 * @example reciprocalCount([4, 10], [0]) // fill 0.25
 */
export const reciprocalCount = (x: RShape, axes: readonly number[]): Node => {
  const dims: Dim[] = axes.map((ax) => x[normAxis(ax, x.length)!]!)
  const count = dimProduct(dims)
  return isKnown(count) ? constant(1 / count) : div(constant(1), sum(constant(1, dims), dims.map((_, i) => i), false))
}

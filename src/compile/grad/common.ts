/**
 * What a gradient rule is, and the IR-building helpers the rules share (broadcast reduction,
 * constants, activation adjoints). Rules build new IR nodes with `mk`; they never compute values.
 */
import { type Node, mk } from '../../dsl/node.js'
import type { Activation, ConvAttrs, Op, ReduceAttrs } from '../../dsl/ops.js'
import { type Dim, type RShape, dimProduct, isKnown, normAxis } from '../../dsl/shape.js'

/**
 * The reverse-mode rule of op `O`: given the forward node `y = O(inputs)` and the gradient `dy` of the
 * loss w.r.t. `y` (same shape as `y`), returns the gradient w.r.t. each input (same shape as that input),
 * or `undefined` where `needed[i]` is false (the rule may skip that work) or the input gets none.
 */
export type GradRule<O extends Op> = (y: Node<O>, dy: Node, needed: readonly boolean[]) => readonly (Node | undefined)[]

/** Why autodiff could not differentiate a graph. */
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

/** The rule of a leaf (input, param, fill): it has no inputs to pass a gradient to. */
export const leafGrad: GradRule<Op> = () => []

/** The rule of a piecewise-constant op (e.g. greater): its inputs get no gradient (it is 0 almost everywhere). */
export const zeroGrad: GradRule<Op> = (y) => y.inputs.map(() => undefined)

/** The rule of an op autodiff cannot differentiate (the gradient primitives: no second derivatives yet). */
export const noGrad =
  (why: string): GradRule<Op> =>
  (y) => {
    throw new GradError(y.op, `cannot differentiate ${y.op}: ${why}`)
  }

/** A float constant of shape `shape` (default: a scalar, which broadcasts). */
export const constant = (value: number, shape: RShape = []): Node => mk('fill', [], { value }, shape, 'float32')

/** a + b (broadcasting), e.g. `add(dy, g)`. */
export const add = (a: Node, b: Node): Node => mk('add', [a, b], {})
/** a - b (broadcasting). */
export const sub = (a: Node, b: Node): Node => mk('sub', [a, b], {})
/** a * b (broadcasting). */
export const mul = (a: Node, b: Node): Node => mk('mul', [a, b], {})
/** a / b (broadcasting). */
export const div = (a: Node, b: Node): Node => mk('div', [a, b], {})
/** -a. */
export const neg = (a: Node): Node => mk('neg', [a], {})
/** `a` viewed as `shape`; no node when the shape is already written that way. */
export const reshape = (a: Node, shape: RShape): Node => (sameShape(a.shape, shape) ? a : mk('reshape', [a], { shape }))
/** Sum over `axes`, e.g. over [0] of an ['N', 10] gradient gives [10]. */
export const sum = (a: Node, axes: readonly number[], keepDims: boolean): Node => mk('sum', [a], { axes, keepDims })

/** Whether two shapes are written the same way. */
export const sameShape = (a: RShape, b: RShape): boolean => a.length === b.length && a.every((d, i) => d === b[i])

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

/** `x.shape` with the reduced axes set to 1: the shape a non-keepDims reduction's gradient is viewed as. */
export const keptShape = (x: RShape, a: ReduceAttrs): RShape => {
  const axes = new Set(a.axes.map((ax) => normAxis(ax, x.length)))
  return x.map((d, i) => (axes.has(i) ? 1 : d))
}

/** The gradient of a reduction's output spread back over its input: broadcastTo(view(dy), x.shape). */
export const spread = (dy: Node, x: RShape, a: ReduceAttrs): Node => {
  const kept = reshape(dy, keptShape(x, a))
  return sameShape(kept.shape, x) ? kept : mk('broadcastTo', [kept], { shape: x })
}

/**
 * 1 / (number of elements a reduction over `axes` of `x` averages). A symbolic count such as the batch
 * `N` is computed in the graph as sum(fill(1, [N])), which constant folding removes once N is bound.
 */
export const reciprocalCount = (x: RShape, axes: readonly number[]): Node => {
  const dims: Dim[] = axes.map((ax) => x[normAxis(ax, x.length)!]!)
  const count = dimProduct(dims)
  return isKnown(count) ? constant(1 / count) : div(constant(1), sum(constant(1, dims), dims.map((_, i) => i), false))
}

/** The gradient of `activation(z)` w.r.t. `z`, from the saved output `y`. */
export const activationGrad = (activation: Activation, y: Node, dy: Node): Node =>
  activation === 'linear'
    ? dy
    : mk(activation === 'relu' ? 'reluGrad' : activation === 'sigmoid' ? 'sigmoidGrad' : 'tanhGrad', [y, dy], {})

/** Only the conv attrs (a fused conv's attrs carry its activation too). */
export const convAttrs = (a: ConvAttrs): ConvAttrs => ({ strides: a.strides, pad: a.pad, dilations: a.dilations, layout: a.layout })

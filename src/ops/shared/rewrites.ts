/**
 * What an op module declares for the graph-to-graph passes besides layout: constant folding (`fold`),
 * algebraic simplification (`simplify`), the canonical spelling of its attrs for CSE (`canonical`), and
 * optionally its inference form (`inference`, as PyTorch's eval()) and the updates a training step makes
 * to the buffers it reads (`bufferUpdates`). Each is a local rule on one node
 * whose inputs are already rewritten; the passes (src/compile/passes) apply them to a fixed point.
 */
import { type Node, mk } from '../../ir/node.js'
import type { Op, OpAttrs } from '../../ir/ops.js'
import { type RShape, isKnown, normAxis, sameShape } from '../../ir/shape.js'

/**
 * Folds a node whose inputs are all float32 fills (the fold pass checks that) into a fill, or
 * undefined to keep it. Values are rounded to float32 as the kernels would.
 *
 * @example const foldNeg: Folder<'neg'> = foldUnary((v) => -v)
 */
export type Folder<O extends Op> = (n: Node<O>) => Node | undefined

/** A simplification of a node (inputs already simplified), or undefined to keep it. @example simplify: noSimplify */
export type Simplifier<O extends Op> = (n: Node<O>) => Node | undefined

/** The attrs of a node in canonical form, so CSE merges nodes spelled differently. @example canonical: asWritten */
export type Canonical<O extends Op> = (n: Node<O>) => OpAttrs[O]

/**
 * The node's inference form given its rewritten inputs, or undefined to keep it (rebuilt on the inputs).
 * @example inference: (_n, ins) => ins[0] // dropout is the identity at inference
 */
export type InferenceRule<O extends Op> = (n: Node<O>, ins: readonly Node[]) => Node | undefined

/**
 * The new value a training step gives a buffer (model state such as batch norm's running statistics)
 * that a node reads; `what` names it in errors ("running mean").
 * @example { buffer: runningMean, what: 'running mean', update: newMean }
 */
export interface BufferUpdate {
  readonly buffer: Node
  readonly what: string
  readonly update: Node
}

/**
 * The buffer updates of a node in a training step (none for most ops).
 * @example bufferUpdates: (n) => [{ buffer: n.inputs[3]!, what: 'running mean', update: ... }]
 */
export type BufferUpdates<O extends Op> = (n: Node<O>) => readonly BufferUpdate[]

/** No folding (random, integer or not worth folding). @example fold: noFold */
export const noFold: Folder<Op> = () => undefined
/** No simplification. @example simplify: noSimplify */
export const noSimplify: Simplifier<Op> = () => undefined
/** Attrs have one spelling. @example canonical: asWritten */
export const asWritten = <O extends Op>(n: Node<O>): OpAttrs[O] => n.attrs

/** The value of a fill node. @example fillValue(constant(2)) // 2 */
export const fillValue = (n: Node): number => (n as Node<'fill'>).attrs.value
/** A float32 fill of `n`'s shape holding `value` rounded to float32. @example fillLike(n, 0.5) */
export const fillLike = (n: Node, value: number): Node => mk('fill', [], { value: Math.fround(value) }, n.shape, 'float32')

/** Folds a unary op with the host function `f`. @example fold: foldUnary(Math.exp) */
export const foldUnary =
  (f: (v: number) => number): Folder<Op> =>
  (n) =>
    fillLike(n, f(fillValue(n.inputs[0]!)))

/** Folds a binary op with the host function `f`. @example fold: foldBinary((a, b) => a + b) */
export const foldBinary =
  (f: (a: number, b: number) => number): Folder<Op> =>
  (n) =>
    fillLike(n, f(fillValue(n.inputs[0]!), fillValue(n.inputs[1]!)))

/** Product of the sizes of `axes` of `shape`, or undefined when one is symbolic. @example reducedCount([2, 'N'], [0]) // 2 */
export const reducedCount = (shape: RShape, axes: readonly number[]): number | undefined => {
  let count = 1
  for (const a of axes) {
    const d = shape[a < 0 ? a + shape.length : a]!
    if (!isKnown(d)) return undefined
    count *= d
  }
  return count
}

/** Whether `n` is a fill holding `value`. @example isFillOf(n.inputs[1]!, 1) */
export const isFillOf = (n: Node, value: number): boolean => n.op === 'fill' && fillValue(n) === value

/** `x` as the result of `n` when it needs no broadcast (nor cast) to become it. @example keepAs(n, n.inputs[0]!) */
export const keepAs = (n: Node, x: Node): Node | undefined => (sameShape(x.shape, n.shape) && x.dtype === n.dtype ? x : undefined)

const axisOf = (a: number, rank: number): number => normAxis(a, rank) ?? a

/** An `axis` attr over the first input, non-negative. @example canonical: canonicalAxis // softmax axis -1 -> 1 on [N, 10] */
export const canonicalAxis = <O extends Op>(n: Node<O>): OpAttrs[O] => {
  const a = n.attrs as { readonly axis: number }
  return { ...a, axis: axisOf(a.axis, n.inputs[0]?.shape.length ?? 0) } as unknown as OpAttrs[O]
}

/** An `axes` attr over the first input, non-negative, sorted, without repeats. @example canonical: canonicalAxes */
export const canonicalAxes = <O extends Op>(n: Node<O>): OpAttrs[O] => {
  const a = n.attrs as { readonly axes: readonly number[] }
  const rank = n.inputs[0]?.shape.length ?? 0
  return { ...a, axes: [...new Set(a.axes.map((x) => axisOf(x, rank)))].sort((x, y) => x - y) } as unknown as OpAttrs[O]
}

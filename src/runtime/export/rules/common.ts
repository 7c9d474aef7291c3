/** What an export rule is, and the small emitters several rule families share. */
import * as E from 'fp-ts/lib/Either.js'
import type { Node } from '../../../dsl/node.js'
import type { Activation, Op, OpAttrs } from '../../../dsl/ops.js'
import type { Tensor } from '../../../dsl/tensor.js'
import { type GraphBuilder, attr } from '../builder.js'
import { ExportError } from '../errors.js'

/** What a rule may use besides its inputs' value names. */
export interface EmitContext<O extends Op = Op> {
  readonly node: Node<O>
  readonly b: GraphBuilder
  /** Host values of the param leaves, already checked against their shapes. */
  readonly params: Readonly<Record<string, Tensor>>
}

/**
 * How one IR op becomes ONNX nodes: given the value names of its inputs, emit nodes through `cx.b`
 * and return the name of the value that holds the op's result, or say why the op cannot be exported.
 */
export type OnnxRule<O extends Op> = (ins: readonly string[], attrs: OpAttrs[O], cx: EmitContext<O>) => E.Either<ExportError, string>

/** A rule for an op with no ONNX form in an inference graph. */
export const cannot =
  (why: string) =>
  <O extends Op>(_ins: readonly string[], _a: OpAttrs[O], cx: EmitContext<O>): E.Either<ExportError, string> =>
    E.left(new ExportError(`cannot export op ${cx.node.op} (node #${cx.node.id}): ${why}`, cx.node))

/** The fused kernels' activation after `x`. */
export const activate = (b: GraphBuilder, x: string, a: Activation): string =>
  a === 'relu' ? b.op('Relu', [x]) : a === 'sigmoid' ? b.op('Sigmoid', [x]) : a === 'tanh' ? b.op('Tanh', [x]) : x

/**
 * ReduceMean / ReduceMax / ReduceSum over `axes`: ReduceSum takes the axes as an input from opset 13,
 * the others from opset 18 (an attribute before).
 */
export const reduce = (b: GraphBuilder, opType: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: string, axes: readonly number[], keepDims: boolean): string => {
  const keepdims = attr.int(keepDims ? 1 : 0)
  return opType === 'ReduceSum' || b.opset >= 18
    ? b.op(opType, [x, b.int64s(axes)], { keepdims })
    : b.op(opType, [x], { axes: attr.ints(axes), keepdims })
}

/** A per-channel vector [C] reshaped to broadcast along `axis` of a rank-`rank` tensor ([1, C, 1, 1] for NCHW). */
export const alongAxis = (b: GraphBuilder, v: string, axis: number, rank: number): string =>
  rank === 1 ? v : b.op('Reshape', [v, b.int64s(Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1)))])

/** Normalizes a possibly negative axis (the shape rules have checked it is in range). */
export const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis)

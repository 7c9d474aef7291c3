/**
 * What an ONNX export rule (each op module's `onnx`) is, and the emitters several rules share. A rule
 * writes ONNX nodes through an `OnnxEmitter` (src/runtime/export/builder.ts implements it) and returns
 * the name of the value holding the op's result, or an `ExportError` saying why the op cannot be
 * exported (losses, metrics, gradient primitives never appear in an inference graph).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Node } from '../../ir/node.js'
import type { Dim, RShape } from '../../ir/shape.js'
import type { Op, OpAttrs } from '../../ir/ops.js'

/**
 * An export failure: an op with no ONNX form (loss, metric, gradient primitive), a missing or misshaped
 * parameter, a graph that is not one float32 input to one float32 output, or a failed write. `node`
 * names the IR node at fault when there is one.
 *
 * @example
 * new ExportError('cannot export op reluGrad: a gradient primitive').message
 * // 'cannot export op reluGrad: a gradient primitive'
 */
export class ExportError extends Error {
  readonly _tag = 'ExportError' as const
  constructor(
    message: string,
    readonly node?: Node,
  ) {
    super(message)
    this.name = 'ExportError'
  }
}

/** An attribute value: an int, a list of ints, or a float (all our ops need). @example attr.float(1e-5) */
export type AttrValue = { readonly i: number } | { readonly ints: readonly number[] } | { readonly f: number }
/** @example attr.ints([1, 1]) */
export const attr = {
  int: (i: number): AttrValue => ({ i }),
  ints: (ints: readonly number[]): AttrValue => ({ ints }),
  float: (f: number): AttrValue => ({ f }),
}

/** ONNX's element type code of float32 (TensorProto.DataType.FLOAT), e.g. for Cast. @example attr.int(ONNX_FLOAT) */
export const ONNX_FLOAT = 1

/** What an export rule can emit into the ONNX graph under construction. @example cx.b.op('Relu', [x]) */
export interface OnnxEmitter {
  /** The opset being written (13..21). */
  readonly opset: number
  /** The graph input's value name and IR shape (symbolic dims are read from it at run time). */
  readonly input: { readonly name: string; readonly shape: RShape }
  /** Emits `opType(inputs; attrs)` and returns its (single) output's name. */
  op(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, AttrValue>>): string
  /** Adds an initializer named exactly `name` (a param keeps its leaf name). */
  initializer(name: string, dims: readonly number[], type: 'float32' | 'int32' | 'int64', data: Float32Array | Int32Array | readonly number[]): string
  /** A constant initializer (shared between equal requests). */
  constant(dims: readonly number[], type: 'float32' | 'int32' | 'int64', data: Float32Array | Int32Array | readonly number[]): string
  /** A 1-D int64 constant: shapes, axes, pads given as inputs. */
  int64s(values: readonly number[]): string
  /** A float32 scalar constant. */
  scalar(value: number): string
  /** An int64 [rank] tensor holding `shape` (computed from the input's runtime shape where symbolic). */
  shapeOf(shape: RShape): E.Either<ExportError, string>
}

/** What a rule may use besides its inputs' value names. @example cx.b.op('Reshape', [x, cx.b.int64s([-1, 400])]) */
export interface EmitContext<O extends Op = Op> {
  readonly node: Node<O>
  readonly b: OnnxEmitter
  /** Host values of the param leaves, already checked against their shapes. */
  readonly params: Readonly<Record<string, { readonly shape: readonly Dim[]; readonly data: Float32Array }>>
}

/**
 * How one IR op becomes ONNX nodes: given the value names of its inputs, emit nodes through `cx.b`
 * and return the name of the value that holds the op's result, or say why the op cannot be exported.
 *
 * @example const relu: OnnxRule<'relu'> = (ins, _a, cx) => E.right(cx.b.op('Relu', ins))
 */
export type OnnxRule<O extends Op> = (ins: readonly string[], attrs: OpAttrs[O], cx: EmitContext<O>) => E.Either<ExportError, string>

/** A rule for an op with no ONNX form in an inference graph. @example onnx: cannot('a loss; export the logits') */
export const cannot =
  (why: string) =>
  <O extends Op>(_ins: readonly string[], _a: OpAttrs[O], cx: EmitContext<O>): E.Either<ExportError, string> =>
    E.left(new ExportError(`cannot export op ${cx.node.op} (node #${cx.node.id}): ${why}`, cx.node))

/** The rule of every gradient primitive. @example onnx: gradientPrimitive */
export const gradientPrimitive = cannot('a gradient primitive, which only training graphs contain')

/** One ONNX op of the same inputs. @example onnx: onnxOp('Relu') */
export const onnxOp =
  (opType: string) =>
  <O extends Op>(ins: readonly string[], _a: OpAttrs[O], cx: EmitContext<O>): E.Either<ExportError, string> =>
    E.right(cx.b.op(opType, ins))

/**
 * ReduceMean / ReduceMax / ReduceSum over `axes`: ReduceSum takes the axes as an input from opset 13,
 * the others from opset 18 (an attribute before).
 *
 * @example onnxReduce(b, 'ReduceMean', x, [0, 2, 3], true)
 */
export const onnxReduce = (b: OnnxEmitter, opType: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: string, axes: readonly number[], keepDims: boolean): string => {
  const keepdims = attr.int(keepDims ? 1 : 0)
  return opType === 'ReduceSum' || b.opset >= 18
    ? b.op(opType, [x, b.int64s(axes)], { keepdims })
    : b.op(opType, [x], { axes: attr.ints(axes), keepdims })
}

/** A per-channel vector [C] reshaped to broadcast along `axis` of a rank-`rank` tensor ([1, C, 1, 1] for NCHW). @example alongAxis(b, gamma, 1, 4) */
export const alongAxis = (b: OnnxEmitter, v: string, axis: number, rank: number): string =>
  rank === 1 ? v : b.op('Reshape', [v, b.int64s(Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1)))])

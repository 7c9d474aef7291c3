/**
 * Export rules of the elementwise ops, matMul, reshapes, transposes, reductions and broadcasts. Our
 * binary ops broadcast as numpy does, and so do ONNX's, so they map one to one.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { BinaryOp, UnaryOp } from '../../../dsl/ops.js'
import { isKnown, showShape } from '../../../dsl/shape.js'
import { type GraphBuilder, attr, onnx } from '../builder.js'
import { ExportError } from '../errors.js'
import { type OnnxRule, activate, reduce } from './common.js'

const one =
  (opType: string): OnnxRule<UnaryOp | BinaryOp> =>
  (ins, _a, cx) =>
    E.right(cx.b.op(opType, ins))

/** The elementwise ops. */
export const elementwiseRules = {
  neg: one('Neg'),
  exp: one('Exp'),
  log: one('Log'),
  sqrt: one('Sqrt'),
  square: (ins, _a, cx) => E.right(cx.b.op('Mul', [ins[0]!, ins[0]!])),
  sigmoid: one('Sigmoid'),
  relu: one('Relu'),
  tanh: one('Tanh'),
  add: one('Add'),
  sub: one('Sub'),
  mul: one('Mul'),
  div: one('Div'),
  // ONNX's Greater gives bool; ours is a float 0/1
  greater: (ins, _a, cx) => E.right(cx.b.op('Cast', [cx.b.op('Greater', ins)], { to: attr.int(onnx.TensorProto.DataType.FLOAT) })),
} satisfies { [O in UnaryOp | BinaryOp]: OnnxRule<O> }

/** Our matMul is 2-D only, which is exactly Gemm's case (with its transposes, alpha = beta = 1). */
const gemm = (b: GraphBuilder, ins: readonly string[], ta: boolean, tb: boolean): string =>
  b.op('Gemm', ins, { ...(ta ? { transA: attr.int(1) } : {}), ...(tb ? { transB: attr.int(1) } : {}) })

/** The structural ops. */
export const structureRules = {
  matMul: (ins, a, cx) => E.right(gemm(cx.b, ins, a.transposeA, a.transposeB)),
  fusedMatMul: (ins, a, cx) => {
    const [x, w, bias] = ins
    const biasNode = cx.node.inputs[2]
    // Gemm's C broadcasts one way to [M, N]: a bias of rank <= 2 fits (the shape rule checked it broadcasts)
    const y =
      bias === undefined || biasNode!.shape.length <= 2
        ? gemm(cx.b, ins, a.transposeA, a.transposeB)
        : cx.b.op('Add', [gemm(cx.b, [x!, w!], a.transposeA, a.transposeB), bias])
    return E.right(activate(cx.b, y, a.activation))
  },
  reshape: (ins, _a, cx) => {
    const from = cx.node.inputs[0]!.shape
    const to = cx.node.shape
    // ONNX reads a 0 in the target as 'copy'; a fractional size is a shape no tensor has
    if (to.some((d) => isKnown(d) && (d <= 0 || !Number.isInteger(d))))
      return E.left(new ExportError(`cannot export op reshape (node #${cx.node.id}) to ${showShape(to)}: sizes must be positive integers`, cx.node))
    // A static target when possible: a symbolic dim that stays at its index is ONNX's 0 ('copy'), and one
    // other unknown dim is -1 (inferred from the element count, since every other dim is then fixed).
    // Only a target with several moved symbolic dims needs its shape computed at run time.
    const target = to.map((d, i) => (isKnown(d) ? d : from[i] === d ? 0 : undefined))
    const open = target.filter((d) => d === undefined).length
    if (open <= 1) return E.right(cx.b.op('Reshape', [ins[0]!, cx.b.int64s(target.map((d) => d ?? -1))]))
    return E.map((shape: string) => cx.b.op('Reshape', [ins[0]!, shape]))(cx.b.shapeOf(to))
  },
  transpose: (ins, a, cx) => E.right(cx.b.op('Transpose', ins, { perm: attr.ints(a.perm) })),
  // no axes is the identity, as the shape rule says (ONNX would reduce everything)
  sum: (ins, a, cx) => E.right(a.axes.length === 0 ? cx.b.op('Identity', ins) : reduce(cx.b, 'ReduceSum', ins[0]!, a.axes, a.keepDims)),
  mean: (ins, a, cx) => E.right(a.axes.length === 0 ? cx.b.op('Identity', ins) : reduce(cx.b, 'ReduceMean', ins[0]!, a.axes, a.keepDims)),
  max: (ins, a, cx) => E.right(a.axes.length === 0 ? cx.b.op('Identity', ins) : reduce(cx.b, 'ReduceMax', ins[0]!, a.axes, a.keepDims)),
  broadcastTo: (ins, _a, cx) => E.map((shape: string) => cx.b.op('Expand', [ins[0]!, shape]))(cx.b.shapeOf(cx.node.shape)),
} satisfies { [O in 'matMul' | 'fusedMatMul' | 'reshape' | 'transpose' | 'sum' | 'mean' | 'max' | 'broadcastTo']: OnnxRule<O> }

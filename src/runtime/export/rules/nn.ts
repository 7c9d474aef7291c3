/**
 * Export rules of softmax, dropout and batch normalization. Dropout is the identity at inference;
 * batchNormInfer is ONNX's BatchNormalization where that op's convention (channels on axis 1) holds,
 * otherwise the same formula from elementwise ops with the statistics reshaped along the axis.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type GraphBuilder, attr } from '../builder.js'
import { ExportError } from '../errors.js'
import { type OnnxRule, alongAxis, axisOf, reduce } from './common.js'

/** gamma * (x - mean) / sqrt(var + eps) + beta, the statistics [C] broadcast along `axis`. */
const normalize = (b: GraphBuilder, x: string, [gamma, beta, mean, variance]: readonly string[], axis: number, rank: number, eps: number): string => {
  const along = (v: string) => alongAxis(b, v, axis, rank)
  const scale = b.op('Div', [along(gamma!), b.op('Sqrt', [b.op('Add', [along(variance!), b.scalar(eps)])])])
  return b.op('Add', [b.op('Mul', [b.op('Sub', [x, along(mean!)]), scale]), along(beta!)])
}

/** The nn ops an inference graph can hold. */
export const nnRules = {
  softmax: (ins, a, cx) => E.right(cx.b.op('Softmax', ins, { axis: attr.int(a.axis) })),
  logSoftmax: (ins, a, cx) => E.right(cx.b.op('LogSoftmax', ins, { axis: attr.int(a.axis) })),
  dropout: (ins, _a, cx) => E.right(cx.b.op('Identity', [ins[0]!])),
  batchNormInfer: (ins, a, cx) => {
    const [x, ...stats] = ins
    const rank = cx.node.shape.length
    const axis = axisOf(a.axis, rank)
    return E.right(
      axis === 1 && rank >= 2
        ? cx.b.op('BatchNormalization', ins, { epsilon: attr.float(a.eps) })
        : normalize(cx.b, x!, stats, axis, rank, a.eps),
    )
  },
  // Training-mode batch norm without running statistics: the batch's own mean and biased variance, as
  // the interpreter computes them (so an exported prediction depends on the rest of its batch).
  batchNorm: (ins, a, cx) => {
    if (ins.length !== 3)
      return E.left(
        new ExportError(
          `cannot export op batchNorm (node #${cx.node.id}) with running statistics: rewrite the graph with inferenceForm first`,
          cx.node,
        ),
      )
    const [x, gamma, beta] = ins as [string, string, string]
    const rank = cx.node.shape.length
    const axis = axisOf(a.axis, rank)
    const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)
    const b = cx.b
    const centered = b.op('Sub', [x, reduce(b, 'ReduceMean', x, others, true)])
    const variance = reduce(b, 'ReduceMean', b.op('Mul', [centered, centered]), others, true)
    const xhat = b.op('Div', [centered, b.op('Sqrt', [b.op('Add', [variance, b.scalar(a.eps)])])])
    return E.right(b.op('Add', [b.op('Mul', [xhat, alongAxis(b, gamma, axis, rank)]), alongAxis(b, beta, axis, rank)]))
  },
} satisfies { [O in 'softmax' | 'logSoftmax' | 'dropout' | 'batchNormInfer' | 'batchNorm']: OnnxRule<O> }

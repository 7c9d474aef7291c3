/**
 * The elementwise families: float ops without attrs that apply one function per element (unary) or
 * per pair of numpy-broadcast elements (binary). What they share is written once here: the shape rule,
 * the reference evaluation doubling as the lowering (one tfjs op, no backend choice), the layout
 * (any layout is fine), canonical attrs and the `elementwise` mark F's wrappers read. Each op still
 * states its own gradient, folding, simplification and ONNX form.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Op } from '../../ir/ops.js'
import { type GradRule, noGrad } from './grad.js'
import type { OpImpl } from './impl.js'
import { elementwiseLayout } from './layout.js'
import { type OnnxRule, gradientPrimitive } from './onnx.js'
import { type Folder, type Simplifier, asWritten, noFold, noSimplify } from './rewrites.js'
import { broadcastBoth, sameAsInput } from './shape-rules.js'
import type { ProgramOp } from '../kernels/elementwise-program.js'
import { elementwiseChain, registerProgramOp } from './elementwise-fusion.js'

/** What an elementwise op states itself. @example { grad: (_y, dy) => [neg(dy)], fold: foldUnary((v) => -v), simplify: noSimplify, onnx: onnxOp('Neg') } */
export interface ElementwiseSpec {
  readonly grad: GradRule<Op>
  readonly fold: Folder<Op>
  readonly simplify: Simplifier<Op>
  readonly onnx: OnnxRule<Op>
  /** The elementwise-program instruction computing the op: chains of such ops fuse into one pass on wasm (./elementwise-fusion.ts). */
  readonly program?: ProgramOp
}

/** The wasm fusion pattern of an op with a program instruction (registered for the fusion to find). */
const programPatterns = (op: Op, program: ProgramOp | undefined): Pick<OpImpl<Op>, 'patterns'> => {
  if (program === undefined) return {}
  registerProgramOp(op, program)
  return { patterns: { wasm: [elementwiseChain] } }
}

/**
 * The unary elementwise op `_op` computing `run` (the reference and every backend's lowering).
 * @example neg: unaryOp('neg', { run: tf.neg, grad: (_y, dy) => [neg(dy)], fold: foldUnary((v) => -v), simplify: noSimplify, onnx: onnxOp('Neg') })
 */
export const unaryOp = <O extends Op>(op: O, spec: ElementwiseSpec & { readonly run: (x: tf.Tensor) => tf.Tensor }): OpImpl<O> & { readonly elementwise: 'unary' } => ({
  elementwise: 'unary',
  ...programPatterns(op, spec.program),
  shape: sameAsInput,
  grad: spec.grad,
  eval: ([x]) => spec.run(x!),
  lower: ([x]) => spec.run(x!),
  layout: elementwiseLayout,
  fold: spec.fold,
  simplify: spec.simplify,
  canonical: asWritten,
  onnx: spec.onnx,
})

/**
 * A binary elementwise op with numpy broadcasting computing `run`; `name` is what shape errors call it.
 * @example add: binaryOp('add', { run: tf.add, grad: ..., fold: foldBinary((a, b) => a + b), simplify: ..., onnx: onnxOp('Add') })
 */
export const binaryOp = <O extends Op>(
  name: O,
  spec: ElementwiseSpec & { readonly run: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor },
): OpImpl<O> & { readonly elementwise: 'binary' } => ({
  elementwise: 'binary',
  ...programPatterns(name, spec.program),
  shape: broadcastBoth(name),
  grad: spec.grad,
  eval: ([a, b]) => spec.run(a!, b!),
  lower: ([a, b]) => spec.run(a!, b!),
  layout: elementwiseLayout,
  fold: spec.fold,
  simplify: spec.simplify,
  canonical: asWritten,
  onnx: spec.onnx,
})

/**
 * The gradient primitive of an activation, computed from a saved value (its output y, or for gelu its
 * input x) and the output gradient dy (inputs (saved, dy)): elementwise, with no gradient of its own and
 * no ONNX form.
 *
 * @example sigmoidGrad: activationGradOp('sigmoidGrad', (y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y))))
 */
export const activationGradOp = <O extends Op>(name: O, run: (saved: tf.Tensor, dy: tf.Tensor) => tf.Tensor): OpImpl<O> => ({
  shape: broadcastBoth(name),
  grad: noGrad('second derivatives of activations are not supported'),
  eval: ([y, dy]) => run(y!, dy!),
  lower: ([y, dy]) => run(y!, dy!),
  layout: elementwiseLayout,
  fold: noFold,
  simplify: noSimplify,
  canonical: asWritten,
  onnx: gradientPrimitive,
})

/**
 * Everything about one op, in one value: `OpImpl<O>`. Each op module in src/ops exports a family of
 * these (an op and its gradient primitive, say), and src/ops/index.ts assembles them into the op table
 * checked `satisfies { [O in Op]: OpImpl<O> }`, so a missing piece of any op, in any pass, is a compile
 * error. The stage tables (shape rules, gradients, evaluators, lowerings, ONNX rules) are views of it.
 *
 * Shapes of ops this covers: a node has one output (an op with several, like a split, is one op per
 * output, as batchNormGrad is one op per `which`; several nodes of one call can share work through the
 * lowering's `perCall` cache or a multi-node pattern); inputs may be int32 (labels, indices: autodiff
 * never differentiates int32 paths, and a rule returns `undefined` for inputs without a gradient); the
 * shape rule picks the result's dtype (an argmax would give int32).
 */
import type { Node, ShapeRule } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import type { Evaluator } from './eval.js'
import type { FusionRole } from './fusion.js'
import type { GradRule } from './grad.js'
import type { LayoutRule } from './layout.js'
import type { LowerTable, Lowering } from './lower.js'
import type { OnnxRule } from './onnx.js'
import type { PatternTable } from './patterns.js'
import type { BufferUpdates, Canonical, Folder, InferenceRule, Simplifier } from './rewrites.js'

/**
 * All there is to know about op `O`. Required fields have no safe default, so every op decides each of
 * them (`noFold`, `noSimplify`, `asWritten`, `cannot(...)`, `noGrad(...)` are decisions too); the optional
 * ones are roles few ops play.
 *
 * @example
 * const neg: OpImpl<'neg'> = {
 *   elementwise: 'unary', shape: sameAsInput, grad: (_y, dy) => [negate(dy)], eval: ([x]) => tf.neg(x!),
 *   lower: ([x]) => tf.neg(x!), layout: elementwiseLayout, fold: foldUnary((v) => -v), simplify: noSimplify,
 *   canonical: asWritten, onnx: onnxOp('Neg'),
 * }
 */
export interface OpImpl<O extends Op> {
  /** The runtime shape rule, run by `mk` when a node is built (the type-level rule is in src/types). */
  readonly shape: ShapeRule<O>
  /** The reverse-mode rule (autodiff), or why there is none (`noGrad`, `zeroGrad`, `leafGrad`). */
  readonly grad: GradRule<O>
  /** The reference evaluation (the interpreter, the oracle of every other stage). */
  readonly eval: Evaluator<O>
  /** The lowering to tfjs: one for every backend, or per backend with a default. */
  readonly lower: Lowering<O> | LowerTable<O>
  /** How the layout pass rebuilds it when its inputs are stored NHWC. */
  readonly layout: LayoutRule<O>
  /** Constant folding when all its inputs are fills. */
  readonly fold: Folder<O>
  /** Algebraic identities that remove it. */
  readonly simplify: Simplifier<O>
  /** Its attrs in canonical form (CSE). */
  readonly canonical: Canonical<O>
  /** Its ONNX form, or why an inference graph never holds it. */
  readonly onnx: OnnxRule<O>
  /** 'unary' / 'binary': an elementwise float op without attrs, which F's generic wrappers can build. */
  readonly elementwise?: 'unary' | 'binary'
  /** Its part in bias/activation fusion. */
  readonly fusion?: FusionRole<O>
  /** Its inference form (eval mode), when it differs. */
  readonly inference?: InferenceRule<O>
  /** What a training step writes to the buffers it reads (batch norm's running statistics). */
  readonly bufferUpdates?: BufferUpdates<O>
  /**
   * An int32 operand that must lie in 0..classes-1 (an embedding's indices: it clamps the others), which
   * the training step counts as invalid inputs when it is the model's input.
   */
  readonly indexRange?: (n: Node<O>) => { readonly operand: Node; readonly classes: number } | undefined
  /** Multi-node lowering patterns anchored at this op, per backend (./patterns.ts). */
  readonly patterns?: PatternTable
}

/** The implementations of a family of ops (one module's export). @example export const reluOps = { relu: ..., reluGrad: ... } satisfies OpFamily<'relu' | 'reluGrad'> */
export type OpFamily<Os extends Op> = { readonly [O in Os]: OpImpl<O> }

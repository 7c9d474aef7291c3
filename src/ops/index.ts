/**
 * The op table: every op's module, assembled into one value checked against the op vocabulary both ways
 * (`satisfies { [O in Op]: OpImpl<O> }`, and no entry that is not an op), so a missing piece of any op,
 * in any pass, is a compile error. Loading this module installs the shape rules `mk` runs.
 *
 * Layering: src/types <- src/ir (node, shapes, the op vocabulary) <- src/ops (this: one module per op
 * family, its kernels, and the machinery types the stages share) <- src/dsl <- src/compile <- src/runtime.
 * The passes in src/compile are generic: they ask this table what each op does.
 *
 * Adding an op: write its module (attrs by augmenting `OpAttrs`, then an `OpFamily`), add its line below,
 * its type-level rule in src/types (or reuse one) and its test.
 */
import { installShapeRules } from '../ir/node.js'
import type { Op } from '../ir/ops.js'
import { argMaxOps } from './argMax.js'
import { arithOps } from './arith.js'
import { avgPool2dOps } from './avgPool2d.js'
import { batchNormOps } from './batchNorm.js'
import { batchMatMulOps } from './batchMatMul.js'
import { batchNormStatsOps } from './batchNormStats.js'
import { binaryOps } from './binary.js'
import { broadcastToOps } from './broadcastTo.js'
import { concatOps } from './concat.js'
import { conv2dOps } from './conv2d.js'
import { conv2dGradOps } from './conv2dGrads.js'
import { crossEntropyOps } from './crossEntropy.js'
import { dropoutOps } from './dropout.js'
import { geluOps } from './gelu.js'
import { invalidCountOps } from './invalidCount.js'
import { leafOps } from './leaves.js'
import { matMulOps } from './matMul.js'
import { maxPool2dOps } from './maxPool2d.js'
import { padOps } from './pad.js'
import { reduceOps } from './reduce.js'
import { reluOps } from './relu.js'
import { reshapeOps } from './reshape.js'
import type { OpImpl } from './shared/impl.js'
import { sigmoidOps } from './sigmoid.js'
import { sliceOps } from './slice.js'
import { softmaxOps } from './softmax.js'
import { tanhOps } from './tanh.js'
import { transposeOps } from './transpose.js'
import { embeddingOps } from './embedding.js'

/**
 * Every op's implementation, by op name.
 * @example ops.relu.grad(y, dy, [true]) // [reluGrad(y, dy)]
 */
export const ops = {
  ...leafOps,
  ...arithOps,
  ...binaryOps,
  ...sigmoidOps,
  ...reluOps,
  ...tanhOps,
  ...geluOps,
  ...matMulOps,
  ...conv2dOps,
  ...conv2dGradOps,
  ...avgPool2dOps,
  ...maxPool2dOps,
  ...reshapeOps,
  ...transposeOps,
  ...broadcastToOps,
  ...reduceOps,
  ...softmaxOps,
  ...crossEntropyOps,
  ...invalidCountOps,
  ...dropoutOps,
  ...batchNormOps,
  ...batchNormStatsOps,
  ...embeddingOps,
  ...batchMatMulOps,
  ...argMaxOps,
  ...concatOps,
  ...sliceOps,
  ...padOps,
} satisfies { [O in Op]: OpImpl<O> }

/** The table has an entry for no name that is not an op (spreads escape excess-property checks). */
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const exact: Exact<keyof typeof ops, Op> = true
void exact

/** The implementation of op `O` (the table's entry, typed as the interface). @example impl(n.op).layout(n, get) */
export const impl = <O extends Op>(op: O): OpImpl<O> => ops[op] as unknown as OpImpl<O>

/**
 * One field of every op's implementation: a stage table (shape rules, gradient rules, evaluators, ...).
 * @example const gradRules = stage('grad') // { relu: GradRule<'relu'>, ... }
 */
export const stage = <K extends keyof OpImpl<Op>>(field: K): { readonly [O in Op]: OpImpl<O>[K] } =>
  Object.fromEntries(Object.entries(ops).map(([op, i]) => [op, (i as OpImpl<Op>)[field]])) as { readonly [O in Op]: OpImpl<O>[K] }

installShapeRules(stage('shape'))

type OpsWhere<P> = { [O in Op]: (typeof ops)[O] extends P ? O : never }[Op]
/** The elementwise unary ops F's generic wrapper builds (those marked `elementwise: 'unary'`). @example const o: UnaryOp = 'relu' */
export type UnaryOp = OpsWhere<{ readonly elementwise: 'unary' }>
/** The broadcasting binary ops F's generic wrapper builds (marked `elementwise: 'binary'`). @example const o: BinaryOp = 'add' */
export type BinaryOp = OpsWhere<{ readonly elementwise: 'binary' }>

export type { OpImpl, OpFamily } from './shared/impl.js'
export type { Activation, ConvAttrs, Layout, Pad4, Pair, PoolAttrs, ReduceAttrs } from './shared/attrs.js'
export type { DType, Initializer, None, Op, OpAttrs } from '../ir/ops.js'

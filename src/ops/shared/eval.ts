/**
 * What a reference evaluation (each op module's `eval`) is: the interpreter (src/compile/interpret.ts)
 * runs these one node at a time with plain tfjs-core ops, as the oracle of the passes, autodiff and
 * lowerings.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../ir/node.js'
import type { Op, OpAttrs } from '../../ir/ops.js'
import type { Key } from '../../ir/random.js'
import type { RShape } from '../../ir/shape.js'

/** What an evaluator may ask of the interpreter besides its input values. @example tf.reshape(x, ctx.bind(['N', 400])) */
export interface EvalContext {
  readonly node: Node
  /** A shape with every symbolic dim replaced by its bound size (-1 stays -1). */
  bind(shape: RShape): number[]
  /** The tensor fed for a leaf (`input` / `param`). */
  leaf(node: Node<'input'> | Node<'param'>): tf.Tensor
  /** The call's random key (dropout draws its masks from it); throws when the call was given none. */
  key(): Key
}

/**
 * Computes one op from its input values.
 *
 * @example
 * const evalSigmoid: Evaluator<'sigmoid'> = ([x]) => tf.sigmoid(x!)
 */
export type Evaluator<O extends Op> = (xs: readonly tf.Tensor[], attrs: OpAttrs[O], ctx: EvalContext) => tf.Tensor

/**
 * A computation that needs nothing but its inputs and attrs: usable as an op's evaluator and as its
 * lowering alike (e.g. a backend without a special kernel lowers an op as its reference does).
 *
 * @example const reference: Plain<'channelStat'> = ([x], a) => tf.mean(x!, [0])
 */
export type Plain<O extends Op> = (xs: readonly tf.Tensor[], attrs: OpAttrs[O]) => tf.Tensor

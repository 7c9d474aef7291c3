/** Shared pieces of the reference interpreter: the evaluator type, layouts and activations. */
import * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../dsl/node.js'
import type { Activation, Layout, Op, OpAttrs } from '../../dsl/ops.js'
import type { Key } from '../../dsl/random.js'
import type { RShape } from '../../dsl/shape.js'

/** What an evaluator may ask of the interpreter besides its input values. */
export interface EvalContext {
  readonly node: Node
  /** A shape with every symbolic dim replaced by its bound size (-1 stays -1). */
  bind(shape: RShape): number[]
  /** The tensor fed for a leaf (`input` / `param`). */
  leaf(node: Node<'input'> | Node<'param'>): tf.Tensor
  /** The call's random key (dropout draws its masks from it); throws when the call was given none. */
  key(): Key
}

/** Computes one op from its input values. */
export type Evaluator<O extends Op> = (xs: readonly tf.Tensor[], attrs: OpAttrs[O], ctx: EvalContext) => tf.Tensor

/** An image tensor in NHWC, whatever `layout` it is in. */
export const toNhwc = <T extends tf.Tensor>(x: T, layout: Layout): tf.Tensor4D =>
  (layout === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x) as unknown as tf.Tensor4D
/** An NHWC image tensor back in `layout`. */
export const fromNhwc = (x: tf.Tensor4D, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x)
/** A filter in HWIO (tfjs's layout) from OIHW (NCHW layout) or HWIO (NHWC layout). */
export const toHwio = (f: tf.Tensor, layout: Layout): tf.Tensor4D =>
  (layout === 'NCHW' ? tf.transpose(f, [2, 3, 1, 0]) : f) as unknown as tf.Tensor4D
/** An HWIO filter back in the filter layout of `layout`. */
export const fromHwio = (f: tf.Tensor4D, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(f, [3, 2, 0, 1]) : f)

/** An image shape as NHWC. */
export const nhwcShape = (s: readonly number[], layout: Layout): number[] => (layout === 'NCHW' ? [s[0]!, s[2]!, s[3]!, s[1]!] : [...s])
/** A filter shape as HWIO. */
export const hwioShape = (s: readonly number[], layout: Layout): number[] => (layout === 'NCHW' ? [s[2]!, s[3]!, s[1]!, s[0]!] : [...s])

/** The fused kernels' activation. */
export const activate = (x: tf.Tensor, a: Activation): tf.Tensor =>
  a === 'relu' ? tf.relu(x) : a === 'sigmoid' ? tf.sigmoid(x) : a === 'tanh' ? tf.tanh(x) : x

/** Normalizes possibly negative axes. */
export const axesOf = (axes: readonly number[], rank: number): number[] => axes.map((a) => (a < 0 ? a + rank : a))

/**
 * Typed expressions: an IR node together with its type-level shape. Layers and the functional ops in
 * `fn.ts` take and return `Expr`s; they build the expression tree and never run kernels.
 */
import type { Shape } from '../types/shape.js'
import { type Node, mk } from './node.js'
import type { DType } from './ops.js'

/** An expression of shape `S` (dims are literals, symbolic names, or `number`). */
export interface Expr<S extends Shape = Shape, D extends DType = 'float32'> {
  readonly node: Node
  /** The runtime shape; its type is `S`. */
  readonly shape: S
  readonly dtype: D
}

/** Wraps a node as an expression of a given type-level shape (the caller vouches for `S`). */
export const expr = <S extends Shape, D extends DType = 'float32'>(node: Node): Expr<S, D> => ({
  node,
  shape: node.shape as unknown as S,
  dtype: node.dtype as D,
})

/**
 * A named float input (data) of shape `S`.
 *
 * @example
 * const x = input('x', ['N', 1, 28, 28]) // Expr<readonly ['N', 1, 28, 28]>
 */
export const input = <const S extends Shape>(name: string, shape: S): Expr<S, 'float32'> =>
  expr(mk('input', [], { name, dtype: 'float32' }, shape, 'float32'))

/**
 * A named int32 input, e.g. class labels.
 *
 * @example
 * const y = intInput('y', ['N']) // Expr<readonly ['N'], 'int32'>
 */
export const intInput = <const S extends Shape>(name: string, shape: S): Expr<S, 'int32'> =>
  expr(mk('input', [], { name, dtype: 'int32' }, shape, 'int32'))

/**
 * A constant tensor filled with `value`.
 *
 * @example
 * const one = fill([], 1) // Expr<readonly []>
 */
export const fill = <const S extends Shape>(shape: S, value: number): Expr<S, 'float32'> =>
  expr(mk('fill', [], { value }, shape, 'float32'))

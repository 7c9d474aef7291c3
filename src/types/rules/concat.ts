/**
 * The type-level rule of the `concat` op (F.concat): the shapes agree but on the axis, whose sizes are
 * added with the digit arithmetic. It is the `concat` combinator's rule (ConcatFn) applied to constant
 * shape functions, so both have the same `ShapeError` texts as the runtime rule (src/ops/concat.ts).
 *
 * @example
 * type J = ConcatShapes<[['N', 3], ['N', 4]], 1> // ['N', 7]
 */
import type { Apply, ShapeFn } from '../fn.js'
import type { AnyShapeErr, Shape, ShapeErr } from '../shape.js'
import type { ConcatFn } from './compose.js'

/** A shape function that ignores its input and returns `S`. */
interface ConstFn<S> extends ShapeFn {
  readonly out: S
}

/** The shapes of a list of operands joined along `Axis` (negative counts from the end), or the error text. */
export type ConcatShapes<Ss extends readonly unknown[], Axis extends number> = Ss extends readonly []
  ? ShapeErr<'concat needs at least one input'>
  : Ss extends readonly [infer E extends AnyShapeErr, ...unknown[]]
    ? E
    : Apply<ConcatFn<Axis, { readonly [K in keyof Ss]: ConstFn<Ss[K]> }>, Shape>

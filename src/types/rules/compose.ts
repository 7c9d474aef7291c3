/**
 * Type-level rules of the combinators, which build a layer from layers: `chain` (one after another),
 * `residual` (x + block(x)), `parallel` (the sum of branches) and `concat` (branches joined along an axis).
 * Each rule is the composition of its parts' rules, run on the shape the combinator is applied to, so a block
 * defined once is checked at every place it is used, at any batch name and spatial size. A part's error is
 * the combinator's error, unchanged. Runtime twin: src/dsl/combinators.ts (same texts).
 *
 * Every test below on a computed shape goes through a type argument or `infer ... extends Shape` (not
 * `O extends Shape`), so it resolves when a dim is a type parameter (see shape.ts).
 */
import type { Add, Gte, Lt, Sub } from '../arith.js'
import type { Apply, ApplyAll, In, ShapeFn } from '../fn.js'
import type { AnyShapeErr, DimsAgree, IsSize, IsSymbolic, Shape, ShapeErr, ShapesAgree, ShowShape } from '../shape.js'

/**
 * chain(l1, l2, ...): the layers one after another.
 *
 * @example
 * type O = Apply<ChainFn<[Conv2dFn<64, 64, [3, 3], [1, 1], [1, 1], [1, 1]>, BatchNorm2dFn<64>]>, ['N', 64, 56, 56]> // ['N', 64, 56, 56]
 */
export interface ChainFn<Fs extends readonly unknown[]> extends ShapeFn {
  readonly out: ApplyAll<In<this>, Fs>
}

/**
 * residual(block): x + block(x), so the block must keep the shape; residual(block, projection):
 * projection(x) + block(x), the two must agree.
 *
 * @example
 * type O = Apply<ResidualFn<ChainFn<[...]>>, ['N', 64, 56, 56]>     // ['N', 64, 56, 56]
 * // 'ShapeError: residual block changes the shape [N, 64, 56, 56] to [N, 128, 28, 28]; give residual a projection'
 */
export interface ResidualFn<B, P = 'identity'> extends ShapeFn {
  readonly out: P extends ShapeFn
    ? ResidualOut<In<this>, Apply<B, In<this>>, Apply<P, In<this>>, true>
    : ResidualOut<In<this>, Apply<B, In<this>>, In<this>, false>
}
type ResidualOut<S extends Shape, O, K, Projected extends boolean> = O extends AnyShapeErr
  ? O
  : K extends AnyShapeErr
    ? K
    : O extends infer OS extends Shape
      ? K extends infer KS extends Shape
        ? ShapesAgree<OS, KS> extends true
          ? OS
          : Projected extends true
            ? ShapeErr<`residual block gives ${ShowShape<OS>} but its projection gives ${ShowShape<KS>}`>
            : ShapeErr<`residual block changes the shape ${ShowShape<S>} to ${ShowShape<OS>}; give residual a projection`>
        : never
      : never

/**
 * parallel(b1, b2, ...): every branch on the same input, their outputs added; they must agree in shape.
 *
 * @example
 * type O = Apply<ParallelFn<[IdentityFn, ChainFn<[...]>]>, ['N', 64, 56, 56]> // ['N', 64, 56, 56]
 */
export interface ParallelFn<Fs extends readonly unknown[]> extends ShapeFn {
  readonly out: Fs extends readonly [infer F0, ...infer Rest] ? ParallelFirst<In<this>, Apply<F0, In<this>>, Rest> : In<this>
}
type ParallelFirst<S, O, Rest extends readonly unknown[]> = O extends AnyShapeErr
  ? O
  : O extends infer OS extends Shape
    ? ParallelRest<S, OS, Rest>
    : never
type ParallelRest<S, First extends Shape, Fs extends readonly unknown[]> = Fs extends readonly [infer F, ...infer Rest]
  ? ParallelStep<S, First, Apply<F, S>, Rest>
  : First
type ParallelStep<S, First extends Shape, O, Rest extends readonly unknown[]> = O extends AnyShapeErr
  ? O
  : O extends infer OS extends Shape
    ? ShapesAgree<First, OS> extends true
      ? ParallelRest<S, First, Rest>
      : ShapeErr<`parallel branches give different shapes ${ShowShape<First>} and ${ShowShape<OS>}`>
    : never

/**
 * concat(axis, b1, b2, ...): every branch on the same input, their outputs joined along `axis` (negative
 * counts from the end). The outputs must agree on every other axis; the joined size is the sum of theirs
 * (`number` when one is unknown; a symbolic size cannot be joined).
 *
 * @example
 * type O = Apply<ConcatFn<1, [IdentityFn, Conv2dFn<64, 32, [3, 3], [1, 1], [1, 1], [1, 1]>]>, ['N', 64, 56, 56]> // ['N', 96, 56, 56]
 */
export interface ConcatFn<Axis extends number, Fs extends readonly unknown[]> extends ShapeFn {
  readonly out: Fs extends readonly [infer F0, ...infer Rest] ? ConcatFirst<Axis, In<this>, Apply<F0, In<this>>, Rest> : In<this>
}
type ConcatFirst<Axis extends number, S, O, Rest extends readonly unknown[]> = O extends AnyShapeErr
  ? O
  : O extends infer OS extends Shape
    ? number extends OS['length']
      ? Shape // unknown rank: checked at run time
      : NormAxis<Axis, OS['length']> extends infer A extends number
        ? ConcatRest<Axis, A, S, OS, Rest, OS[A]>
        : ShapeErr<`concat axis ${Axis} out of range for ${ShowShape<OS>}`>
    : never
/** The axis as an index into a rank-R shape, or `false` when out of range. */
type NormAxis<Axis extends number, R extends number> = `${Axis}` extends `-${infer M extends number}`
  ? Gte<R, M> extends true
    ? Sub<R, M>
    : false
  : Lt<Axis, R> extends true
    ? Axis
    : false
type ConcatRest<Axis extends number, A extends number, S, First extends Shape, Fs extends readonly unknown[], Size> = Fs extends readonly [
  infer F,
  ...infer Rest,
]
  ? ConcatStep<Axis, A, S, First, Apply<F, S>, Rest, Size>
  : JoinedSize<Axis, First, Size> extends infer D
    ? D extends AnyShapeErr
      ? D
      : { readonly [K in keyof First]: K extends `${A}` ? D : First[K] }
    : never
type ConcatStep<Axis extends number, A extends number, S, First extends Shape, O, Rest extends readonly unknown[], Size> = O extends AnyShapeErr
  ? O
  : O extends infer OS extends Shape
    ? AgreeExcept<First, OS, A> extends true
      ? ConcatRest<Axis, A, S, First, Rest, AddDim<Size, OS[A]>>
      : ShapeErr<`concat cannot join ${ShowShape<First>} and ${ShowShape<OS>} along axis ${Axis}`>
    : never
/** Two shapes of one rank that agree at every index but `A`. */
type AgreeExcept<X extends Shape, Y extends Shape, A extends number, I extends unknown[] = []> = X extends readonly [
  infer x,
  ...infer xr extends Shape,
]
  ? Y extends readonly [infer y, ...infer yr extends Shape]
    ? I['length'] extends A
      ? AgreeExcept<xr, yr, A, [...I, 0]>
      : DimsAgree<x, y> extends true
        ? AgreeExcept<xr, yr, A, [...I, 0]>
        : false
    : false
  : Y extends readonly []
    ? true
    : false
/** The running joined size: a sum of sizes, `number` once one is unknown, a marker once one is symbolic. */
type AddDim<Size, D> = IsSymbolic<Size> extends true
  ? SymbolicJoin
  : Size extends SymbolicJoin
    ? Size
    : IsSymbolic<D> extends true
      ? SymbolicJoin
      : IsSize<Size> extends true
        ? IsSize<D> extends true
          ? Add<Size & number, D & number>
          : number
        : number
interface SymbolicJoin {
  readonly symbolicJoin: true
}
type JoinedSize<Axis extends number, First extends Shape, Size> = IsSymbolic<Size> extends true
  ? ShapeErr<`concat cannot join a symbolic size along axis ${Axis} of ${ShowShape<First>}`>
  : Size extends SymbolicJoin
    ? ShapeErr<`concat cannot join a symbolic size along axis ${Axis} of ${ShowShape<First>}`>
    : Size

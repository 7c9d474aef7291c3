/**
 * The type-level rules of `slice` and `split` (F.slice, F.split), with the runtime rule's texts
 * (src/ops/slice.ts). A size of -1 takes the rest of the axis; a symbolic axis can only be kept whole.
 *
 * @example
 * type S = SliceOut<['N', 10], [0, 2], [-1, 3]> // ['N', 3]
 * type P = SplitOut<['N', 10], [3, 7], 1> // [['N', 3], ['N', 7]]
 */
import type { Add, Lte, Sub } from '../arith.js'
import type { AnyShapeErr, IsSize, IsSymbolic, Shape, ShapeErr, ShowShape } from '../shape.js'

type ShowInts<T extends readonly number[]> = T extends readonly [infer H extends number, ...infer R extends readonly number[]]
  ? R extends readonly [] ? `${H}` : `${H}, ${ShowInts<R>}`
  : ''
type IsNat<N> = N extends number ? (number extends N ? false : `${N}` extends `-${string}` | `${string}.${string}` ? false : true) : false

/** One axis: the sliced dim, or `false` when the box does not fit. */
type SliceDim<D, B extends number, Z extends number> = IsNat<B> extends false
  ? false
  : IsSymbolic<D> extends true
    ? B extends 0 ? (Z extends -1 ? D : false) : false
    : IsSize<D> extends false
      ? number
      : Z extends -1
        ? Lte<B, D & number> extends true ? Sub<D & number, B> : false
        : IsNat<Z> extends false
          ? false
          : Lte<Add<B, Z>, D & number> extends true ? Z : false
type SliceDims<S extends Shape, B extends readonly number[], Z extends readonly number[], Acc extends readonly unknown[] = []> = S extends readonly [
  infer D,
  ...infer SR extends Shape,
]
  ? B extends readonly [infer b extends number, ...infer BR extends readonly number[]]
    ? Z extends readonly [infer z extends number, ...infer ZR extends readonly number[]]
      ? SliceDim<D, b, z> extends infer O
        ? O extends false
          ? false
          : SliceDims<SR, BR, ZR, [...Acc, O]>
        : never
      : false
    : false
  : B extends readonly []
    ? Z extends readonly [] ? Readonly<Acc> : false
    : false

/** The shape of `S` sliced at `B` with sizes `Z`, or the runtime rule's error text. */
export type SliceOut<S extends Shape, B extends readonly number[], Z extends readonly number[]> = number extends S['length'] | B['length'] | Z['length']
  ? Shape
  : SliceDims<S, B, Z> extends infer O
    ? O extends false
      ? ShapeErr<`slice at [${ShowInts<B>}] of size [${ShowInts<Z>}] does not fit ${ShowShape<S>}`>
      : O
    : never

type NormAxis<A extends number, R extends number> = `${A}` extends `-${infer M extends number}` ? (Lte<M, R> extends true ? Sub<R, M> : false) : Lte<Add<A, 1>, R> extends true ? A : false
type SumInts<T extends readonly number[], Acc extends number = 0> = T extends readonly [infer H extends number, ...infer R extends readonly number[]]
  ? IsNat<H> extends true ? SumInts<R, Add<Acc, H>> : false
  : Acc
type WithDim<S extends Shape, A extends number, D> = { readonly [K in keyof S]: K extends `${A}` ? D : S[K] }
type Parts<S extends Shape, A extends number, Sizes extends readonly number[]> = { readonly [K in keyof Sizes]: WithDim<S, A, Sizes[K]> }

/** The part shapes of `S` split along `Axis` into `Sizes`, or the runtime rule's error text (src/dsl/fn.ts's split). */
export type SplitOut<S extends Shape, Sizes extends readonly number[], Axis extends number> = number extends S['length'] | Sizes['length']
  ? readonly Shape[]
  : NormAxis<Axis, S['length']> extends infer A extends number
    ? IsSize<S[A]> extends true
      ? SumInts<Sizes> extends S[A]
        ? Parts<S, A, Sizes>
        : ShapeErr<`split sizes [${ShowInts<Sizes>}] do not sum to ${S[A] & number} on axis ${Axis} of ${ShowShape<S>}`>
      : ShapeErr<`split cannot split a symbolic or unknown size on axis ${Axis} of ${ShowShape<S>}`>
    : ShapeErr<`split axis ${Axis} out of range for ${ShowShape<S>}`>

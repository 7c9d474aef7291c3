/** Type-level shape rules of linear, flatten and reshape. Runtime twins: src/dsl/layers. */
import type { Eq, FloorDiv, Mul, Product } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { DimsAgree, IsSize, IsSymbolic, Shape, ShapeErr, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'

/**
 * linear(I, O): [..., I] -> [..., O].
 *
 * @example
 * type O = Apply<LinearFn<400, 120>, ['N', 400]> // ['N', 120]
 * type E = Apply<LinearFn<400, 120>, ['N', 256]> // 'ShapeError: linear expects 400 input features but got 256'
 */
export interface LinearFn<I extends number, O extends number> extends ShapeFn {
  readonly out: In<this> extends readonly [...infer Lead, infer F]
    ? DimsAgree<F, I> extends true
      ? readonly [...Lead, O]
      : ShapeErr<`linear expects ${I} input features but got ${F & (number | string)}`>
    : IsTuple<In<this>> extends true
      ? ShapeErr<`linear expects an input [..., ${I}] but got a scalar`>
      : Shape
}

/** Whether every dim is a known size (a symbolic dim, also a type parameter, makes it false). */
type AllSizes<S extends Shape> = S extends readonly [infer H, ...infer R extends Shape] ? (IsSize<H> extends true ? AllSizes<R> : false) : true

/** Product of dims that are all known sizes, else `number`. */
export type DimProduct<S extends Shape> = AllSizes<S> extends true ? (S extends readonly number[] ? Product<S> : number) : number

/**
 * flatten(): [N, ...rest] -> [N, product(rest)] (PyTorch's nn.Flatten, start_dim 1).
 *
 * @example
 * type O = Apply<FlattenFn, ['N', 16, 5, 5]>       // ['N', 400]
 * type B = Apply<FlattenFn, ['N', 3, 1000, 1000]>  // ['N', 3000000]
 */
export interface FlattenFn extends ShapeFn {
  readonly out: In<this> extends readonly [infer N, ...infer Rest extends Shape]
    ? readonly [N, DimProduct<Rest>]
    : IsTuple<In<this>> extends true
      ? ShapeErr<`flatten expects at least a 1-D input but got []`>
      : Shape
}

type Count<T extends Shape, V, Acc extends unknown[] = []> = T extends readonly [infer H, ...infer R extends Shape]
  ? Count<R, V, H extends V ? [...Acc, 0] : Acc>
  : Acc['length']
type Fill<T extends Shape, V> = { readonly [K in keyof T]: T[K] extends -1 ? V : T[K] }
type KnownOnly<T extends Shape> = T extends readonly [infer H, ...infer R extends Shape]
  ? H extends -1
    ? KnownOnly<R>
    : [H, ...KnownOnly<R>]
  : []

/**
 * reshape(T) keeps the element count; one -1 in T is inferred. Inputs with symbolic or unknown dims
 * keep those dims at the same positions; the count is then checked at run time.
 *
 * @example
 * type O = Apply<ReshapeFn<[-1, 400]>, [256, 16, 5, 5]> // [256, 400]
 */
export interface ReshapeFn<T extends Shape> extends ShapeFn {
  readonly out: ReshapeOut<In<this>, T>
}
/**
 * The shape reshape(T) gives X, or its ShapeErr (the twin of src/ops/reshape.ts's `reshapeShape`).
 *
 * @example
 * type O = ReshapeOut<['N', 4, 8], ['N', -1]> // readonly ['N', 32]
 * type E = ReshapeOut<['N', 4, 8], ['N', -1, 5]> // 'ShapeError: reshape cannot turn [N, 4, 8] (32*N elements) into [N, -1, 5]'
 */
export type ReshapeOut<X extends Shape, T extends Shape> =
  DimProduct<X> extends infer From extends number
    ? IsSize<From> extends false
      ? SymbolicReshape<X, T>
      : Count<T, -1> extends 0
        ? DimProduct<T> extends infer To extends number
          ? IsSize<To> extends false
            ? T
            : Eq<From, To> extends true
              ? T
              : ShapeErr<`reshape cannot turn ${ShowShape<X>} (${From} elements) into ${ShowShape<T>} (${To} elements)`>
          : never
        : Count<T, -1> extends 1
          ? DimProduct<KnownOnly<T>> extends infer K extends number
            ? IsSize<K> extends false
              ? Fill<T, number>
              : FloorDiv<From, K> extends infer Q extends number
                ? Eq<DimProduct<[Q, K]>, From> extends true
                  ? Fill<T, Q>
                  : ShapeErr<`reshape cannot turn ${ShowShape<X>} (${From} elements) into ${ShowShape<T>}`>
                : never
            : never
          : ShapeErr<`reshape target ${ShowShape<T>} has more than one -1`>
    : never

/** The known sizes' product and the symbolic names of a shape (its -1s left out), or 'unknown' when a dim is `number`. */
type Factors<S extends Shape, K extends number[] = [], Sy extends string[] = []> = S extends readonly [infer H, ...infer R extends Shape]
  ? H extends -1
    ? Factors<R, K, Sy>
    : IsSize<H> extends true
      ? Factors<R, [...K, H & number], Sy>
      : IsSymbolic<H> extends true
        ? Factors<R, K, [...Sy, H & string]>
        : 'unknown'
  : IsTuple<S> extends true
    ? { readonly known: Product<K>; readonly syms: Sy }
    : 'unknown'
/** L without the first occurrence of X, or 'missing'. */
type Without<L extends string[], X extends string, Pre extends string[] = []> = L extends [infer H extends string, ...infer R extends string[]]
  ? [H, X] extends [X, H]
    ? [...Pre, ...R]
    : Without<R, X, [...Pre, H]>
  : 'missing'
/** The names of L left after cancelling those of T, or 'missing' when T names one L does not have. */
type Cancel<L extends string[], T extends string[]> = T extends [infer H extends string, ...infer R extends string[]]
  ? Without<L, H> extends infer W extends string[]
    ? Cancel<W, R>
    : 'missing'
  : L
type StarJoin<L extends string[]> = L extends [infer H extends string]
  ? H
  : L extends [infer H extends string, ...infer R extends string[]]
    ? `${H}*${StarJoin<R>}`
    : ''
/** A symbolic product as the runtime spells it (`dimProduct`): the known factor first unless 1, then the names. */
type SymProduct<K extends number, Sy extends string[]> = Sy extends [] ? K : K extends 1 ? StarJoin<Sy> : `${K}*${StarJoin<Sy>}`

/**
 * reshape of a shape with symbolic dims: the -1 is the element count with T's names cancelled against
 * X's, divided by T's known sizes (['N', 4, 8] to ['N', -1] gives 32); a quotient that is not a whole
 * number is an error, as at run time. A target naming a dim X does not have leaves the -1 `number`.
 */
type SymbolicReshape<X extends Shape, T extends Shape> =
  Count<T, -1> extends 0
    ? T
    : Count<T, -1> extends 1
      ? [Factors<X>, Factors<T>] extends [
          { readonly known: infer XK extends number; readonly syms: infer XS extends string[] },
          { readonly known: infer TK extends number; readonly syms: infer TS extends string[] },
        ]
        ? Cancel<XS, TS> extends infer R extends string[]
          ? FloorDiv<XK, TK> extends infer Q extends number
            ? Eq<Mul<Q, TK>, XK> extends true
              ? Fill<T, SymProduct<Q, R>>
              : ShapeErr<`reshape cannot turn ${ShowShape<X>} (${SymProduct<XK, XS>} elements) into ${ShowShape<T>}`>
            : Fill<T, number>
          : Fill<T, number>
        : Fill<T, number>
      : ShapeErr<`reshape target ${ShowShape<T>} has more than one -1`>

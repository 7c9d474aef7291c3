/** Type-level shape rules of linear, flatten and reshape. Runtime twins: src/dsl/layers. */
import type { Eq, FloorDiv, Product } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { DimsAgree, IsSize, Shape, ShapeErr, ShowShape } from '../shape.js'
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
 * The shape reshape(T) gives X, or its ShapeErr (the twin of src/ops/reshape.ts's `reshapeShape`); with
 * symbolic dims in X the -1 is `number` (the runtime rule computes and checks it).
 *
 * @example
 * type O = ReshapeOut<[2, 4, 8], [-1, 16]> // readonly [4, 16]
 * type E = ReshapeOut<[3, 4, 8], [-1, 5]> // 'ShapeError: reshape cannot turn [3, 4, 8] (96 elements) into [-1, 5]'
 */
export type ReshapeOut<X extends Shape, T extends Shape> =
  DimProduct<X> extends infer From extends number
    ? IsSize<From> extends false
      ? // with symbolic dims the -1 is left to the runtime rule: a type-level quotient of symbolic products
        // defers inside functions generic over the batch name, which must type-check
        Fill<T, number>
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

/** Type-level shape rules of linear and flatten (reshape: ./reshape.ts). Runtime twins: src/dsl/layers. */
import type { Product } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { DimsAgree, IsSize, Shape, ShapeErr } from '../shape.js'
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

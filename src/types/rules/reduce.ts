/** Type-level rules of the reductions over axes (sum, mean, max) and of the trailing-axes norms (layerNorm). */
import type { Lt, Lte } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { Dim, DimsAgree, Shape, ShapeErr, ShapesAgree, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'

/** The axes list as the runtime prints it: `0, -1`. */
type JoinAxes<A extends readonly number[]> = A extends readonly [infer H extends number]
  ? `${H}`
  : A extends readonly [infer H extends number, ...infer T extends readonly number[]]
    ? `${H}, ${JoinAxes<T>}`
    : ''

/** Whether axis `A` (negative counts from the end) is in range for rank `R`. */
type AxisInRange<A extends number, R extends number> = `${A}` extends `-${infer K extends number}` ? Lte<K, R> : Lt<A, R>

/** Whether every axis is in range for rank `R`. */
type AllInRange<A extends readonly number[], R extends number> = A extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? AxisInRange<H, R> extends true
    ? AllInRange<T, R>
    : false
  : true

/**
 * Walk S: `Front` holds the dims already seen (its length is the current index i), `Rest` the dims from i on
 * (its length is rank - i, so dim i is axis -(rank - i) too). A reduced dim is dropped, or kept as 1.
 */
type ReduceWalk<Rest extends Shape, Front extends readonly unknown[], Ax, Keep extends boolean, Acc extends Shape> =
  Rest extends readonly [infer D extends Dim, ...infer T extends Shape]
    ? Front['length'] extends Ax
      ? ReduceWalk<T, [...Front, D], Ax, Keep, Keep extends true ? readonly [...Acc, 1] : Acc>
      : `-${Rest['length']}` extends `${Ax & number}`
        ? ReduceWalk<T, [...Front, D], Ax, Keep, Keep extends true ? readonly [...Acc, 1] : Acc>
        : ReduceWalk<T, [...Front, D], Ax, Keep, readonly [...Acc, D]>
    : Acc

/**
 * The shape of a reduction of S over `Axes` (negative axes count from the end; `undefined`: every axis),
 * keeping the reduced axes as size-1 dims when `Keep`; an axis out of range is the runtime's ShapeError text.
 * A shape or an axes list of unknown length gives `Shape`.
 *
 * @example
 * type A = ReduceOut<['N', 10, 4], [1], false>        // readonly ['N', 4]
 * type B = ReduceOut<['N', 10, 4], [0, -1], true>     // readonly [1, 10, 1]
 * type C = ReduceOut<['N', 10], undefined, false>     // readonly []
 * type E = ReduceOut<['N', 10], [2], false, 'sum'>    // 'ShapeError: sum axes [2] out of range for [N, 10]'
 */
export type ReduceOut<S extends Shape, Axes extends readonly number[] | undefined, Keep extends boolean, Op extends string = 'reduce'> =
  Axes extends readonly number[]
    ? IsTuple<S> extends true
      ? IsTuple<Axes> extends true
        ? number extends Axes[number]
          ? Shape
          : AllInRange<Axes, S['length']> extends true
            ? boolean extends Keep
              ? Shape
              : ReduceWalk<S, [], Axes[number], Keep, readonly []>
            : ShapeErr<`${Op} axes [${JoinAxes<Axes>}] out of range for ${ShowShape<S>}`>
        : Shape
      : Shape
    : Keep extends false
      ? readonly []
      : IsTuple<S> extends true
        ? { readonly [I in keyof S]: 1 }
        : Shape

/** Whether the last dims of X agree with G, dim by dim (symbolic dims agree with anything). */
type TailAgree<X extends Shape, G extends Shape> = G extends readonly [...infer GR extends Shape, infer GL]
  ? X extends readonly [...infer XR extends Shape, infer XL]
    ? DimsAgree<XL, GL> extends true
      ? TailAgree<XR, GR>
      : false
    : false
  : true

/**
 * layerNorm over the trailing dims G (gamma's shape, PyTorch's normalized_shape): X unchanged when it ends
 * with G, else the runtime's ShapeError text.
 *
 * @example
 * type O = LayerNormOut<['N', 16, 64], [64]> // ['N', 16, 64]
 * type E = LayerNormOut<['N', 16, 64], [32]> // 'ShapeError: layerNorm expects normalized shape [32] at the end of [N, 16, 64]'
 */
export type LayerNormOut<X extends Shape, G extends Shape> = IsTuple<X> extends true
  ? IsTuple<G> extends true
    ? TailAgree<X, G> extends true
      ? X
      : ShapeErr<`layerNorm expects normalized shape ${ShowShape<G>} at the end of ${ShowShape<X>}`>
    : X
  : X

/**
 * layerNorm's beta against gamma's shape G.
 * @example type E = LayerNormBeta<[64], [32]> // 'ShapeError: layerNorm expects beta [64] but got [32]'
 */
export type LayerNormBeta<G extends Shape, B extends Shape> = ShapesAgree<G, B> extends true ? B : ShapeErr<`layerNorm expects beta ${ShowShape<G>} but got ${ShowShape<B>}`>

/**
 * The layer layerNorm(D): [..., D] unchanged, checking the last dim.
 *
 * @example
 * type O = Apply<LayerNormFn<64>, ['N', 16, 64]> // ['N', 16, 64]
 * type E = Apply<LayerNormFn<64>, ['N', 32]>     // 'ShapeError: layerNorm expects last dim 64 but got 32'
 */
export interface LayerNormFn<D extends number> extends ShapeFn {
  readonly out: In<this> extends readonly [...Shape, infer L]
    ? DimsAgree<L, D> extends true
      ? In<this>
      : ShapeErr<`layerNorm expects last dim ${D} but got ${L & (number | string)}`>
    : IsTuple<In<this>> extends true
      ? ShapeErr<`layerNorm expects an input [..., ${D}] but got []`>
      : In<this>
}

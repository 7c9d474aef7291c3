/** Type-level rules of broadcasting, softmax axes, batch norm and cross-entropy. */
import type { Lt, Lte } from '../arith.js'
import type { In, ShapeFn } from '../fn.js'
import type { Dim, DimsAgree, IsSize, Shape, ShapeErr, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'

/** Two different sizes (neither 1) do not broadcast: a marker that is not a dim. */
interface NoBroadcast {
  readonly noBroadcast: true
}
type BDim<A, B> = [A] extends [B] ? ([B] extends [A] ? A : NoBroadcast) : NoBroadcast
/** The broadcast of two dims; sizes are tested first, so a symbolic type parameter never reaches a deferred test. */
type BroadcastDim<A, B> = IsSize<A> extends true
  ? [A] extends [1] ? B : IsSize<B> extends true ? ([B] extends [1] ? A : BDim<A, B>) : A
  : IsSize<B> extends true ? ([B] extends [1] ? A : B) : B

type Bcast<A extends Shape, B extends Shape, Acc extends Shape, Op extends string, OA extends Shape, OB extends Shape> =
  A extends readonly [...infer RA extends Shape, infer LA]
    ? B extends readonly [...infer RB extends Shape, infer LB]
      ? BcastStep<BroadcastDim<LA, LB>, RA, RB, Acc, Op, OA, OB>
      : readonly [...A, ...Acc]
    : readonly [...B, ...Acc]
/**
 * One dim of the result, `D`, passed as a type argument so that it is resolved before it is tested (a test on an
 * inline `{ d: BroadcastDim<LA, LB> }` would be re-evaluated on the restrictive form of a type parameter and defer).
 */
type BcastStep<D, RA extends Shape, RB extends Shape, Acc extends Shape, Op extends string, OA extends Shape, OB extends Shape> =
  { readonly d: D } extends { readonly d: infer X extends Dim }
    ? Bcast<RA, RB, readonly [X, ...Acc], Op, OA, OB>
    : ShapeErr<`${Op} cannot broadcast ${ShowShape<OA>} with ${ShowShape<OB>}`>

/**
 * numpy broadcasting of two shapes; a pair of different known sizes (neither 1) is a ShapeErr.
 *
 * @example
 * type S = Broadcast<['N', 10], [10]>     // ['N', 10]
 * type E = Broadcast<[2, 3], [4], 'add'>  // 'ShapeError: add cannot broadcast [2, 3] with [4]'
 */
export type Broadcast<A extends Shape, B extends Shape, Op extends string = 'broadcast'> =
  IsTuple<A> extends true ? (IsTuple<B> extends true ? Bcast<A, B, readonly [], Op, A, B> : Shape) : Shape

/** softmax / logSoftmax along `Axis` (negative counts from the end): shape unchanged. */
export interface AxisFn<Op extends string, Axis extends number> extends ShapeFn {
  readonly out: IsTuple<In<this>> extends true
    ? `${Axis}` extends `-${infer A extends number}`
      ? A extends 0 ? In<this> : InRange<In<this>, Lte<A, In<this>['length']>, Op, Axis>
      : InRange<In<this>, Lt<Axis, In<this>['length']>, Op, Axis>
    : In<this>
}
/** S when the axis is in range (axis -k needs rank >= k, axis k needs rank > k). */
type InRange<S extends Shape, Ok, Op extends string, Axis extends number> =
  Ok extends true ? S : ShapeErr<`${Op} axis ${Axis} out of range for ${ShowShape<S>}`>

/**
 * batchNorm2d(C): [N, C, H, W] unchanged, checking C.
 *
 * @example
 * type O = Apply<BatchNorm2dFn<6>, ['N', 6, 28, 28]> // ['N', 6, 28, 28]
 */
export interface BatchNorm2dFn<C extends number> extends ShapeFn {
  readonly out: In<this> extends readonly [infer _N, infer Ch, infer _H, infer _W]
    ? DimsAgree<Ch, C> extends true
      ? In<this>
      : ShapeErr<`batchNorm2d expects ${C} channels but got ${Ch & (number | string)}`>
    : IsTuple<In<this>> extends true
      ? ShapeErr<`batchNorm2d expects a 4-D input [N, C, H, W] but got ${ShowShape<In<this>>}`>
      : In<this>
}

/**
 * batchNorm1d(C): [N, C] unchanged, checking C.
 *
 * @example
 * type O = Apply<BatchNorm1dFn<120>, ['N', 120]> // ['N', 120]
 */
export interface BatchNorm1dFn<C extends number> extends ShapeFn {
  readonly out: In<this> extends readonly [infer _N, infer Ch]
    ? DimsAgree<Ch, C> extends true
      ? In<this>
      : ShapeErr<`batchNorm1d expects ${C} features but got ${Ch & (number | string)}`>
    : IsTuple<In<this>> extends true
      ? ShapeErr<`batchNorm1d expects a 2-D input [N, C] but got ${ShowShape<In<this>>}`>
      : In<this>
}

/**
 * Mean cross-entropy of logits [N, C] against class labels [N]: a scalar `[]`.
 *
 * @example
 * type L = CrossEntropyOut<['N', 10], ['N']> // readonly []
 */
export type CrossEntropyOut<L extends Shape, Y extends Shape> = L extends readonly [infer N, infer _C]
  ? Y extends readonly [infer M]
    ? DimsAgree<N, M> extends true
      ? readonly []
      : ShapeErr<`crossEntropy expects labels [${N & (number | string)}] but got ${ShowShape<Y>}`>
    : ShapeErr<`crossEntropy expects labels [${N & (number | string)}] but got ${ShowShape<Y>}`>
  : IsTuple<L> extends true
    ? ShapeErr<`crossEntropy expects logits [N, C] but got ${ShowShape<L>}`>
    : readonly []

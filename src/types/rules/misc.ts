/** Type-level rules of broadcasting, softmax axes, batch norm and cross-entropy. */
import type { In, ShapeFn } from '../fn.js'
import type { AnyShapeErr, Dim, DimsAgree, IsSize, Shape, ShapeErr, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'

type BDim<A, B> = A extends B ? (B extends A ? A : never) : never
type BroadcastDim<A, B> = [A] extends [1] ? B : [B] extends [1] ? A : IsSize<A> extends true ? (IsSize<B> extends true ? BDim<A, B> : A) : B

type Bcast<A extends Shape, B extends Shape, Acc extends Shape, Op extends string, OA extends Shape, OB extends Shape> =
  A extends readonly [...infer RA extends Shape, infer LA]
    ? B extends readonly [...infer RB extends Shape, infer LB]
      ? [BroadcastDim<LA, LB>] extends [never]
        ? ShapeErr<`${Op} cannot broadcast ${ShowShape<OA>} with ${ShowShape<OB>}`>
        : Bcast<RA, RB, readonly [BroadcastDim<LA, LB> & Dim, ...Acc], Op, OA, OB>
      : readonly [...A, ...Acc]
    : readonly [...B, ...Acc]

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
      ? A extends 0 ? In<this> : InRange<In<this>, A, Op, Axis>
      : InRange<In<this>, Axis, Op, Axis> extends AnyShapeErr
        ? InRange<In<this>, Axis, Op, Axis>
        : In<this>
    : In<this>
}
type InRange<S extends Shape, A extends number, Op extends string, Axis extends number> =
  S[A] extends Dim ? S : ShapeErr<`${Op} axis ${Axis} out of range for ${ShowShape<S>}`>

/**
 * batchNorm2d(C): [N, C, H, W] unchanged, checking C.
 *
 * @example
 * type O = Apply<BatchNorm2dFn<6>, ['N', 6, 28, 28]> // ['N', 6, 28, 28]
 */
export interface BatchNorm2dFn<C extends number> extends ShapeFn {
  readonly out: In<this> extends readonly [Dim, infer Ch, Dim, Dim]
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
  readonly out: In<this> extends readonly [Dim, infer Ch]
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
export type CrossEntropyOut<L extends Shape, Y extends Shape> = L extends readonly [infer N, Dim]
  ? Y extends readonly [infer M]
    ? DimsAgree<N, M> extends true
      ? readonly []
      : ShapeErr<`crossEntropy expects labels [${N & (number | string)}] but got ${ShowShape<Y>}`>
    : ShapeErr<`crossEntropy expects labels [${N & (number | string)}] but got ${ShowShape<Y>}`>
  : IsTuple<L> extends true
    ? ShapeErr<`crossEntropy expects logits [N, C] but got ${ShowShape<L>}`>
    : readonly []

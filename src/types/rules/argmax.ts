/** Type-level rule of argmax. Runtime twin: src/ops/argMax.ts (`argMaxShape`). */
import type { Sub } from '../arith.js'
import type { Apply } from '../fn.js'
import type { AnyShapeErr, Shape } from '../shape.js'
import type { IsTuple } from './conv2d.js'
import type { AxisFn } from './misc.js'

/** S without its axis I (non-negative). */
type DropAxis<S extends Shape, I extends number, Acc extends Shape = readonly []> = S extends readonly [infer H, ...infer R extends Shape]
  ? Acc['length'] extends I
    ? readonly [...Acc, ...R]
    : DropAxis<R, I, readonly [...Acc, H & (number | string)]>
  : Acc
/** A possibly negative axis of a rank-R shape, non-negative. */
type NormAxis<Axis extends number, R extends number> = `${Axis}` extends `-${infer A extends number}` ? Sub<R, A> : Axis

/**
 * argmax along `Axis` (negative counts from the end): S without that axis (the result is int32).
 *
 * @example
 * type O = ArgmaxOut<['N', 10], -1> // readonly ['N']
 * type E = ArgmaxOut<['N', 10], 2>  // 'ShapeError: argmax axis 2 out of range for [N, 10]'
 */
export type ArgmaxOut<S extends Shape, Axis extends number> =
  IsTuple<S> extends true
    ? Apply<AxisFn<'argmax', Axis>, S> extends infer R
      ? R extends AnyShapeErr
        ? R
        : DropAxis<S, NormAxis<Axis, S['length']>>
      : never
    : Shape

/** Type-level rule of transpose. Runtime twin: src/ops/transpose.ts (`transposeShape`). */
import type { Shape, ShapeErr, ShowShape } from '../shape.js'
import type { IsTuple } from './conv2d.js'

/** Whether P holds each axis of S once (and only axes of S). */
type IsPerm<S extends Shape, P extends readonly number[], Seen = never> = P extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? [H] extends [Seen]
    ? false
    : `${H}` extends Extract<keyof S, `${number}`>
      ? IsPerm<S, T, Seen | H>
      : false
  : true
type Permuted<S extends Shape, P extends readonly number[], Acc extends Shape = readonly []> = P extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? Permuted<S, T, readonly [...Acc, S[H]]>
  : Acc

/**
 * transpose(P): S with its axes permuted, axis i of the result being axis P[i] of S.
 *
 * @example
 * type O = TransposeOut<['N', 3, 32, 32], [0, 2, 3, 1]> // readonly ['N', 32, 32, 3]
 * type E = TransposeOut<[2, 3], [0, 0]>                  // 'ShapeError: transpose permutation [0, 0] does not fit [2, 3]'
 */
export type TransposeOut<S extends Shape, P extends readonly number[]> =
  IsTuple<S> extends true
    ? IsTuple<P> extends true
      ? P['length'] extends S['length']
        ? IsPerm<S, P> extends true
          ? Permuted<S, P>
          : ShapeErr<`transpose permutation ${ShowShape<P>} does not fit ${ShowShape<S>}`>
        : ShapeErr<`transpose permutation ${ShowShape<P>} does not fit ${ShowShape<S>}`>
      : Shape
    : Shape

/** Type-level shape rules of conv2d and 2-D pooling (NCHW, as the API). Runtime twin: src/dsl/rules/image.ts. */
import type { In, ShapeFn } from '../fn.js'
import type { AnyShapeErr, DimsAgree, ShapeErr, ShowShape, Shape } from '../shape.js'
import type { Pair, SameOut, WindowOut } from './window.js'

/** Padding as a layer takes it: symmetric per-axis sizes, or 'same' (output = ceil(input / stride)). */
export type PadSpec = Pair | 'same'

type Spatial<Op extends string, What extends string, H, K extends number, S extends number, P, D extends number> =
  P extends 'same' ? SameOut<H, S> : WindowOut<Op, What, H, K, S, P & number, D>

type Pick2<P, I extends 0 | 1> = P extends Pair ? P[I] : P

/** Whether S is a tuple of fixed rank (a wide `Dim[]` has unknown rank: checks go to run time). */
export type IsTuple<S extends Shape> = number extends S['length'] ? false : true

type Image<Op extends string, X extends Shape, C, K extends Pair, St extends Pair, P extends PadSpec, D extends Pair, Check> =
  X extends readonly [infer N, infer Ch, infer H, infer W]
    ? DimsAgree<Ch, Check> extends false
      ? ShapeErr<`${Op} expects ${Check & number} input channels but got ${Ch & (number | string)}`>
      : Spatial<Op, Op extends 'conv2d' ? 'kernel' : 'window', H, K[0], St[0], Pick2<P, 0>, D[0]> extends infer OH
        ? OH extends AnyShapeErr
          ? OH
          : Spatial<Op, Op extends 'conv2d' ? 'kernel' : 'window', W, K[1], St[1], Pick2<P, 1>, D[1]> extends infer OW
            ? OW extends AnyShapeErr
              ? OW
              : readonly [N, C extends 'same-channels' ? Ch : C, OH, OW]
            : never
        : never
    : IsTuple<X> extends true
      ? ShapeErr<`${Op} expects a 4-D input [N, C, H, W] but got ${ShowShape<X>}`>
      : Shape

/**
 * conv2d: [N, Cin, H, W] -> [N, Cout, H', W'] with H' = floor((H + 2P - D(K-1) - 1) / S) + 1.
 *
 * @example
 * type O = Apply<Conv2dFn<1, 6, [5, 5], [1, 1], [2, 2], [1, 1]>, ['N', 1, 28, 28]> // ['N', 6, 28, 28]
 */
export interface Conv2dFn<Cin extends number, Cout extends number, K extends Pair, S extends Pair, P extends PadSpec, D extends Pair>
  extends ShapeFn {
  readonly out: Image<'conv2d', In<this>, Cout, K, S, P, D, Cin>
}

/**
 * avgPool2d / maxPool2d: [N, C, H, W] -> [N, C, H', W'] (window K, stride S, padding P).
 *
 * @example
 * type O = Apply<PoolFn<'avgPool2d', [2, 2], [2, 2], [0, 0]>, ['N', 6, 28, 28]> // ['N', 6, 14, 14]
 */
export interface PoolFn<Op extends 'avgPool2d' | 'maxPool2d', K extends Pair, S extends Pair, P extends PadSpec> extends ShapeFn {
  readonly out: Image<Op, In<this>, 'same-channels', K, S, P, [1, 1], number>
}

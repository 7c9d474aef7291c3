/**
 * Type-level shape functions ("type lambdas"): a layer carries an interface whose `out` is computed from
 * `this['in']`; `Apply<F, S>` instantiates it. A shape error in the input propagates unchanged.
 */
import type { AnyShapeErr, Shape } from './shape.js'

/** A shape function: `out` is a shape or a `ShapeErr`, computed from `in`. */
export interface ShapeFn {
  readonly in: unknown
  readonly out: unknown
}

/**
 * The output of shape function `F` on input shape `S` (or `S` itself when `S` is already an error).
 *
 * @example
 * type O = Apply<Conv2dFn<1, 6, [5, 5], [1, 1], [2, 2], [1, 1]>, ['N', 1, 28, 28]> // ['N', 6, 28, 28]
 */
export type Apply<F, S> = S extends AnyShapeErr ? S : F extends ShapeFn ? (F & { readonly in: S })['out'] : never

/** The identity shape function (elementwise layers). */
export interface IdentityFn extends ShapeFn {
  readonly out: In<this>
}

/** Runs a list of shape functions left to right. */
export type ApplyAll<S, Fs extends readonly unknown[]> = Fs extends readonly [infer H, ...infer T] ? ApplyAll<Apply<H, S>, T> : S

/** The input shape of a shape function, for use in its `out` (`In<this>`). */
export type In<T extends ShapeFn> = T['in'] extends infer X extends Shape ? X : never

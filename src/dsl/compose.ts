/**
 * `pipe` and `flow` with fp-ts's signatures, for function compositions of layers.
 *
 * `pipe(x, l1, l2, ...)` is fp-ts's own `pipe`, re-exported: a layer checks its own argument (src/dsl/layer.ts
 * `LayerArg`), so in a pipe the layer that does not fit is the argument TypeScript reports, with the
 * `ShapeError` text, whatever its position (the last one too).
 *
 * `flow(l1, l2, ...)` differs from fp-ts's `flow` in one case. fp-ts's `flow` of generic functions with no
 * input type to start from relies on TypeScript's higher-order function type inference (TypeScript 3.4,
 * microsoft/TypeScript#30215): the first layer's type parameter is carried into the result, and each next layer
 * is checked against the previous one's output *as a type over that unresolved parameter*. Layer outputs are
 * conditional types (the shape rules), and TypeScript defers a conditional type whose checked type is an
 * unresolved type parameter, and relates two deferred conditional types only when they are identical, so even
 * a correct `flow(flatten(), linear(784, 10))` fails with `Type 'LayerOut<FlattenFn, X>' is not assignable to
 * type 'LayerArg<Linear...>'`. This `flow` has one more overload, first, for a flow of layers only: its type is
 * the composition of the layers' shape rules (`Composed`, checked where it is applied), and when the flow has an
 * input type from its context
 * (`model(['N', 1, 28, 28], flow(...))`, `pipe(x, flow(...))`) the layers are checked against it one by one, so
 * the one that does not fit is the argument reported, as in `sequential`. Any other flow (with `F` ops or your
 * own functions) is fp-ts's `flow`, which reports at the offending layer when its input type is known.
 */
import { flow as fpFlow, pipe } from 'fp-ts/lib/function.js'
import type { ChainFn } from '../types/rules/compose.js'
import type { ShapeFn } from '../types/fn.js'
import type { IsTuple } from '../types/rules/conv2d.js'
import type { Shape } from '../types/shape.js'
import type { FnsOf } from './combinators.js'
import type { Expr } from './expr.js'
import type { AnyLayer, LayerArg, LayerInput, LayerOut } from './layer.js'
import type { CheckChain } from './sequential.js'

export { pipe }

/**
 * A composition of layers: callable as a layer is (its argument checked against the composed shape rule, a
 * failing layer's text as the error), but a plain function: its layers are called one by one, named as if the
 * body called them (`linear0`, `linear1`), as fp-ts's `flow` does. (`chain` makes the same composition one layer.)
 */
export interface Composed<F extends ShapeFn> {
  <X extends LayerInput>(x: LayerArg<F, X>): LayerOut<F, X>
}

/** What `flow`'s input shape is when no context gives one. */
export interface NoInput {
  readonly noInput: true
}

/** A flow of layers: their composition, or (with an input shape `In` from the context) a function on `Expr<In>`. */
export type FlowOf<L extends readonly unknown[], In> = In extends Shape
  ? IsTuple<In> extends true
    ? (x: Expr<In>) => LayerOut<ChainFn<FnsOf<L>>, Expr<In>>
    : Composed<ChainFn<FnsOf<L>>>
  : Composed<ChainFn<FnsOf<L>>>

/**
 * Left-to-right composition: `flow(f, g, h)(x)` is `h(g(f(x)))`.
 *
 * @example
 * const net = model(['N', 1, 28, 28], flow(flatten(), linear(784, 128), relu(), linear(128, 10)))
 * const head = flow(flatten(), linear(512, 1000))           // a layer: checked where it is applied
 */
export function flow<const L extends readonly [AnyLayer, ...AnyLayer[]], In extends Shape | NoInput = NoInput>(
  ...layers: In extends Shape ? CheckChain<In, L> : L
): FlowOf<L, In>
export function flow<A extends ReadonlyArray<unknown>, B>(ab: (...a: A) => B): (...a: A) => B
export function flow<A extends ReadonlyArray<unknown>, B, C>(ab: (...a: A) => B, bc: (b: B) => C): (...a: A) => C
export function flow<A extends ReadonlyArray<unknown>, B, C, D>(ab: (...a: A) => B, bc: (b: B) => C, cd: (c: C) => D): (...a: A) => D
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
): (...a: A) => E
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E, F>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
  ef: (e: E) => F,
): (...a: A) => F
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E, F, G>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
  ef: (e: E) => F,
  fg: (f: F) => G,
): (...a: A) => G
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E, F, G, H>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
  ef: (e: E) => F,
  fg: (f: F) => G,
  gh: (g: G) => H,
): (...a: A) => H
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E, F, G, H, I>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
  ef: (e: E) => F,
  fg: (f: F) => G,
  gh: (g: G) => H,
  hi: (h: H) => I,
): (...a: A) => I
export function flow<A extends ReadonlyArray<unknown>, B, C, D, E, F, G, H, I, J>(
  ab: (...a: A) => B,
  bc: (b: B) => C,
  cd: (c: C) => D,
  de: (d: D) => E,
  ef: (e: E) => F,
  fg: (f: F) => G,
  gh: (g: G) => H,
  hi: (h: H) => I,
  ij: (i: I) => J,
): (...a: A) => J
export function flow(...fns: readonly ((...a: never[]) => unknown)[]): unknown {
  return (fpFlow as (...f: readonly unknown[]) => unknown)(...fns)
}

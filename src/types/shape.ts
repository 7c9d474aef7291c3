/**
 * Shapes in the type system. A shape is a readonly tuple of dims; a dim is a number literal (a known size),
 * a string literal (a named symbolic dim such as the batch `'N'`, which is also its runtime value), or the
 * wide type `number` (unknown until run time: checks involving it are left to the runtime rules).
 */

/** One dimension: a size literal, a named symbolic dim, or `number` (unknown). */
export type Dim = number | string

/** A shape, e.g. `readonly ['N', 1, 28, 28]`. */
export type Shape = readonly Dim[]

/**
 * A shape error carried in the types: a string literal type with exactly the text the runtime rule raises.
 * It appears in the editor as the parameter type a wrong layer is "not assignable to".
 *
 * @example
 * type E = ShapeErr<'linear expects 400 input features but got 256'>
 * // 'ShapeError: linear expects 400 input features but got 256'
 */
export type ShapeErr<M extends string> = `ShapeError: ${M}`

/** Any shape error. */
export type AnyShapeErr = `ShapeError: ${string}`

/*
 * Dims may be type parameters: a block written once for any batch name, `<N extends string>(x: Expr<readonly [N, 64, 56, 56]>)`,
 * puts the type parameter `N` into every shape it computes. TypeScript resolves a conditional type whose check
 * type is generic only when it can prove the answer for every instantiation: it takes the true branch when the
 * check holds with type parameters made "restrictive" (their constraints dropped), the false branch when it
 * fails even with type parameters made wildcards, and otherwise defers the whole type (checker.ts
 * `getConditionalType`). So `N extends number ? A : B` never resolves for `N extends string` (the wildcard could
 * be a number; the constraint is ignored), and neither does `[N] extends [1] ? ...` (a one-element tuple check
 * is deferred whenever an element is generic). The tests below are written so that a dim which is a type
 * parameter constrained to `string` takes a TRUE branch: `{ d: D } extends { d: infer X extends string }` infers
 * `X = N` (N satisfies the constraint), and `{ d: N }` extends `{ d: N }` holds restrictively. A dim that is a
 * type parameter constrained to `number` (a block generic over H, W) stays deferred: sizes are computed from
 * literals, so such blocks are written as values (`chain`, `residual`), whose rules run on each concrete shape.
 */

/** Whether a dim is symbolic: a string literal such as `'N'`, or a type parameter constrained to `string`. */
export type IsSymbolic<D> = { readonly d: D } extends { readonly d: infer _ extends string } ? true : false

/** Whether a dim is a known size literal (not `number`, not symbolic). */
export type IsSize<D> = IsSymbolic<D> extends true ? false : D extends number ? (number extends D ? false : true) : false

/** Whether a dim is unknown (`number`): checks on it are runtime-only. */
export type IsUnknown<D> = number extends D ? true : false

/** The dims after the first, each as `, D` (no test on the text so far: it may hold a type parameter). */
type JoinRest<S extends Shape, Acc extends string = ''> = S extends readonly [infer H extends Dim, ...infer T extends Shape]
  ? JoinRest<T, `${Acc}, ${H}`>
  : Acc

/**
 * A shape as written in error messages (the same text as the runtime `showShape`).
 *
 * @example
 * type T = ShowShape<['N', 1, 28, 28]> // '[N, 1, 28, 28]'
 */
export type ShowShape<S extends Shape> = S extends readonly [infer H extends Dim, ...infer T extends Shape] ? `[${H}${JoinRest<T>}]` : '[]'

/**
 * Whether two dims may be equal: known sizes must match; symbolic or unknown dims are checked at run time.
 */
export type DimsAgree<A, B> = IsSize<A> extends true ? (IsSize<B> extends true ? ([A] extends [B] ? true : false) : true) : true

/**
 * Whether two shapes may be equal: the same rank and `DimsAgree` at every position (wide shapes of unknown
 * rank are left to run time).
 *
 * @example
 * type T = ShapesAgree<['N', 64, 56, 56], ['N', 64, 56, 56]> // true
 * type F = ShapesAgree<['N', 64, 56, 56], ['N', 128, 28, 28]> // false
 */
export type ShapesAgree<A extends Shape, B extends Shape> = number extends A['length'] | B['length'] ? true : AllAgree<A, B>

type AllAgree<A extends Shape, B extends Shape> = A extends readonly [infer a, ...infer ar extends Shape]
  ? B extends readonly [infer b, ...infer br extends Shape]
    ? DimsAgree<a, b> extends true
      ? AllAgree<ar, br>
      : false
    : false
  : B extends readonly []
    ? true
    : false

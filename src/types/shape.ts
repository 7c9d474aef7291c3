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

/** Whether a dim is a known size literal (not `number`, not symbolic). */
export type IsSize<D> = D extends number ? (number extends D ? false : true) : false

/** Whether a dim is unknown (`number`): checks on it are runtime-only. */
export type IsUnknown<D> = number extends D ? true : false

type JoinDims<S extends Shape, Acc extends string = ''> = S extends readonly [infer H extends Dim, ...infer T extends Shape]
  ? JoinDims<T, Acc extends '' ? `${H}` : `${Acc}, ${H}`>
  : Acc

/**
 * A shape as written in error messages (the same text as the runtime `showShape`).
 *
 * @example
 * type T = ShowShape<['N', 1, 28, 28]> // '[N, 1, 28, 28]'
 */
export type ShowShape<S extends Shape> = `[${JoinDims<S>}]`

/**
 * Whether two dims may be equal: known sizes must match; symbolic or unknown dims are checked at run time.
 */
export type DimsAgree<A, B> = IsSize<A> extends true ? (IsSize<B> extends true ? ([A] extends [B] ? true : false) : true) : true

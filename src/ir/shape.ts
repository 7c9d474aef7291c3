/**
 * Runtime shapes: the values that the type-level shapes of `src/types` describe. Part of the IR core
 * (src/ir), which every op module builds on.
 * A dim is a number, or a string naming a symbolic dim (the batch `'N'`), bound when the graph runs.
 */
import * as E from 'fp-ts/lib/Either.js'

/** One dimension: a size, or the name of a symbolic size such as `'N'`. */
export type Dim = number | string

/** A runtime shape, e.g. `['N', 1, 28, 28]`. */
export type RShape = readonly Dim[]

/**
 * The error every shape rule raises, at compile time (as a string literal type with the same text)
 * and at run time (as this class), before any kernel runs.
 *
 * @example
 * new ShapeError('linear', 'linear expects 400 input features but got 256', [[256, 256]]).message
 * // 'ShapeError: linear expects 400 input features but got 256'
 */
export class ShapeError extends Error {
  readonly _tag = 'ShapeError' as const
  constructor(
    readonly op: string,
    readonly detail: string,
    readonly shapes: readonly RShape[] = [],
  ) {
    super(`ShapeError: ${detail}`)
    this.name = 'ShapeError'
    // The message already starts with the name: print it once (Node prints `stack`, `String(e)` uses toString).
    if (this.stack?.startsWith(`ShapeError: ${this.message}`)) this.stack = this.stack.slice('ShapeError: '.length)
  }

  /** The message, which already starts with `ShapeError: ` (not `ShapeError: ShapeError: ...`). */
  override toString(): string {
    return this.message
  }
}

/** `[N, 1, 28, 28]` as written in error messages (the same text as the type-level `ShowShape`). */
export const showShape = (s: RShape): string => `[${s.join(', ')}]`

/** A shape failure, for rules returning `Either`. */
export const fail = (op: string, detail: string, ...shapes: RShape[]): E.Either<ShapeError, never> =>
  E.left(new ShapeError(op, detail, shapes))

/** Whether a dim is a concrete size. */
export const isKnown = (d: Dim): d is number => typeof d === 'number'

/** Product of dims; symbolic factors make a symbolic product such as `'N*400'`. */
export const dimProduct = (dims: readonly Dim[]): Dim => {
  const known = dims.filter(isKnown).reduce((a, b) => a * b, 1)
  const symbolic = dims.filter((d): d is string => !isKnown(d))
  if (symbolic.length === 0) return known
  return [...(known === 1 ? [] : [String(known)]), ...symbolic].join('*')
}

/** Whether two dims are certainly equal (symbolic dims are equal only to the same name). */
export const sameDim = (a: Dim, b: Dim): boolean => a === b

/**
 * Whether two shapes are written the same way (symbolic dims compare by name).
 *
 * @example
 * sameShape(['N', 10], ['N', 10]) // true
 */
export const sameShape = (a: RShape, b: RShape): boolean => a.length === b.length && a.every((d, i) => d === b[i])

/** Total element count of a fully known shape, or undefined if any dim is symbolic. */
export const sizeOf = (s: RShape): number | undefined => {
  const p = dimProduct(s)
  return isKnown(p) ? p : undefined
}

/** Substitutes bound symbolic dims (e.g. `{ N: 256 }`) and evaluates symbolic products. */
export const bindShape = (s: RShape, env: Readonly<Record<string, number>>): number[] =>
  s.map((d) => {
    if (isKnown(d)) return d
    const v = d.split('*').reduce((acc, f) => {
      const n = /^\d+$/.test(f) ? Number(f) : env[f]
      if (n === undefined) throw new ShapeError('bind', `symbolic dim '${f}' is not bound`, [s])
      return acc * n
    }, 1)
    return v
  })

/** Normalizes a possibly negative axis against a rank, or undefined when out of range. */
export const normAxis = (axis: number, rank: number): number | undefined => {
  const a = axis < 0 ? axis + rank : axis
  return a >= 0 && a < rank ? a : undefined
}

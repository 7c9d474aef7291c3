/**
 * The type-level rule of `pad` (F.pad), with the runtime rule's text (src/ops/pad.ts): each axis gets
 * `[before, after]` more elements; a symbolic axis takes no padding.
 *
 * @example
 * type P = PadOut<['N', 3], [[0, 0], [1, 2]]> // ['N', 6]
 */
import type { Add } from '../arith.js'
import type { IsSize, IsSymbolic, Shape, ShapeErr, ShowShape } from '../shape.js'

type IsNat<N> = N extends number ? (number extends N ? false : `${N}` extends `-${string}` | `${string}.${string}` ? false : true) : false
type ShowPads<T extends readonly (readonly [number, number])[]> = T extends readonly [
  readonly [infer B extends number, infer A extends number],
  ...infer R extends readonly (readonly [number, number])[],
]
  ? R extends readonly [] ? `[${B}, ${A}]` : `[${B}, ${A}], ${ShowPads<R>}`
  : ''
type PadDim<D, B, A> = IsNat<B> extends false
  ? false
  : IsNat<A> extends false
    ? false
    : IsSymbolic<D> extends true
      ? B extends 0 ? (A extends 0 ? D : false) : false
      : IsSize<D> extends true
        ? Add<Add<D & number, B & number>, A & number>
        : number
type PadDims<S extends Shape, P extends readonly (readonly [number, number])[], Acc extends readonly unknown[] = []> = S extends readonly [
  infer D,
  ...infer SR extends Shape,
]
  ? P extends readonly [readonly [infer B, infer A], ...infer PR extends readonly (readonly [number, number])[]]
    ? PadDim<D, B, A> extends infer O
      ? O extends false
        ? false
        : PadDims<SR, PR, [...Acc, O]>
      : never
    : false
  : P extends readonly []
    ? Readonly<Acc>
    : false

/** The shape of `S` padded by `P`, or the runtime rule's error text. */
export type PadOut<S extends Shape, P extends readonly (readonly [number, number])[]> = number extends S['length'] | P['length']
  ? Shape
  : PadDims<S, P> extends infer O
    ? O extends false
      ? ShapeErr<`pad paddings [${ShowPads<P>}] do not fit ${ShowShape<S>}`>
      : O
    : never

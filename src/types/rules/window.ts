/** Sliding-window arithmetic shared by conv2d and pooling, at the type level. */
import type { Add, FloorDiv, Gt, Mul, Sub } from '../arith.js'
import type { IsSize, ShapeErr } from '../shape.js'

/** A `[height, width]` pair. */
export type Pair = readonly [number, number]

/** `5` -> `[5, 5]`, `[5, 3]` stays, absent -> `[Def, Def]`. */
export type ToPair<T, Def extends number> = T extends readonly [infer A extends number, infer B extends number]
  ? [A, B]
  : T extends number
    ? [T, T]
    : [Def, Def]

/**
 * Output size of a window of `K` (dilation `D`) sliding with stride `S` over `H` padded by `P` on each side:
 * floor((H + 2P - D*(K-1) - 1) / S) + 1. A window larger than the padded input is a ShapeErr.
 * Unknown or symbolic sizes give `number`.
 */
export type WindowOut<Op extends string, What extends string, H, K extends number, S extends number, P extends number, D extends number> =
  IsSize<H> extends true
    ? Add<Mul<D, Sub<K, 1>>, 1> extends infer Span extends number
      ? Add<H & number, Mul<P, 2>> extends infer Padded extends number
        ? Gt<Span, Padded> extends true
          ? ShapeErr<`${Op} ${What} ${Span} is larger than the padded input ${Padded}`>
          : Add<FloorDiv<Sub<Padded, Span>, S>, 1>
        : number
      : number
    : number

/** 'same' padding: ceil(H / S). */
export type SameOut<H, S extends number> = IsSize<H> extends true ? FloorDiv<Add<H & number, Sub<S, 1>>, S> : number

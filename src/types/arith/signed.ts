/**
 * Signed integers on top of the Nat digit strings of natural.ts, plus the conversions between
 * number literal types and that representation.
 *
 * Representation ("Int"): a Nat (reversed decimal digits, zero = ''), prefixed with '-' when
 * negative; zero is never negative. So -120 is '-021'.
 *
 * Internal module: the public, number-literal API is src/types/arith.ts.
 */
import type { NatAdd, NatCmp, NatDivMod, NatMul, NatSub, ParseNat, Reverse } from './natural.js'

/** True for a union type, false for a single type (distributes over the members of T). */
type IsUnion<T, Whole = T> = T extends unknown ? ([Whole] extends [T] ? false : true) : never

/**
 * The Int of an integer literal type, or `false` when N is not exactly one integer literal:
 * `number`, `any`, `never`, a union, a fraction, or a value JS prints in exponent form (|N| >= 1e21).
 * E.g. `ToInt<-120>` = `'-021'`, `ToInt<0>` = `''`, `ToInt<1.5>` = `false`.
 */
export type ToInt<N extends number> = [N] extends [never]
  ? false
  : number extends N
    ? false
    : IsUnion<N> extends false
      ? ParseInt<`${N}`>
      : false

type ParseInt<S extends string> = S extends `-${infer M}`
  ? ParseNat<M> extends infer R extends string
    ? Negate<R>
    : false
  : ParseNat<S>

/**
 * The number literal type of an Int, e.g. `FromInt<'-021'>` = `-120`. Results that JS cannot hold
 * exactly (beyond 2^53 and not a round-trippable double, e.g. 2^53 + 1) become `number`.
 */
export type FromInt<I extends string> = I extends `-${infer M}`
  ? TooLong<M> extends true
    ? number
    : ToLiteral<`-${Reverse<M>}`>
  : I extends ''
    ? 0
    : TooLong<I> extends true
      ? number
      : ToLiteral<Reverse<I>>

/**
 * Whether a Nat is >= 1e21: JS prints those in exponent form, so no such literal exists. Checking this
 * first also keeps huge intermediate Products away from Reverse's 1000-step recursion limit.
 */
type TooLong<N extends string> = NatCmp<N, '0000000000000000000001'> extends -1 ? false : true

/** TS only infers a literal when the text round-trips through a double; otherwise this yields `number`. */
type ToLiteral<S extends string> = S extends `${infer N extends number}` ? N : number

/** `-I`, e.g. `Negate<'3'>` = `'-3'`, `Negate<''>` = `''`. */
export type Negate<I extends string> = I extends ''
  ? ''
  : I extends `-${infer M}`
    ? M
    : `-${I}`

/** Magnitude of an Int as a Nat. */
type Abs<I extends string> = I extends `-${infer M}` ? M : I

/** Whether two Ints have opposite signs (zero counts as non-negative). */
type SignsDiffer<X extends string, Y extends string> = X extends `-${string}`
  ? Y extends `-${string}`
    ? false
    : true
  : Y extends `-${string}`
    ? true
    : false

/** `P - Q` for Nats P, Q as an Int. */
type NatDiff<P extends string, Q extends string> = NatCmp<P, Q> extends -1 ? Negate<NatSub<Q, P>> : NatSub<P, Q>

/** `X + Y` for Ints, e.g. `IntAdd<'3', '-5'>` = `'-2'`. */
export type IntAdd<X extends string, Y extends string> = X extends `-${infer XM}`
  ? Y extends `-${infer YM}`
    ? Negate<NatAdd<XM, YM>>
    : NatDiff<Y, XM>
  : Y extends `-${infer YM}`
    ? NatDiff<X, YM>
    : NatAdd<X, Y>

/** `X * Y` for Ints, e.g. `IntMul<'-2', '3'>` = `'-6'`. */
export type IntMul<X extends string, Y extends string> =
  SignsDiffer<X, Y> extends true ? Negate<NatMul<Abs<X>, Abs<Y>>> : NatMul<Abs<X>, Abs<Y>>

/** Sign of `X - Y` for Ints as -1 | 0 | 1, e.g. `IntCmp<'-5', '3'>` = `-1`. */
export type IntCmp<X extends string, Y extends string> = X extends `-${infer XM}`
  ? Y extends `-${infer YM}`
    ? NatCmp<YM, XM>
    : -1
  : Y extends `-${string}`
    ? 1
    : NatCmp<X, Y>

/**
 * `floor(X / Y)` for Ints (rounds toward -infinity, like Python's `//`); `never` when Y is zero.
 * E.g. `IntFloorDiv<'-1', '2'>` = `'-1'`.
 */
export type IntFloorDiv<X extends string, Y extends string> = Y extends ''
  ? never
  : NatDivMod<Abs<X>, Abs<Y>> extends [infer Q extends string, infer R extends string]
    ? SignsDiffer<X, Y> extends true
      ? Negate<R extends '' ? Q : NatAdd<Q, '1'>>
      : Q
    : never

/**
 * `X - Y * floor(X / Y)` for Ints: the result has the sign of Y (Python's `%`); `never` when Y is zero.
 * E.g. `IntMod<'-7', '3'>` = `'2'`.
 */
export type IntMod<X extends string, Y extends string> = Y extends ''
  ? never
  : NatDivMod<Abs<X>, Abs<Y>> extends [string, infer R extends string]
    ? R extends ''
      ? ''
      : (SignsDiffer<X, Y> extends true ? NatSub<Abs<Y>, R> : R) extends infer M extends string
        ? Y extends `-${string}`
          ? Negate<M>
          : M
        : never
    : never

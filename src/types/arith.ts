/**
 * Exact type-level integer arithmetic on number literal types, for shape computations such as
 * conv/pool output sizes (`Add<FloorDiv<Sub<Add<H, Mul<2, P>>, ...>, S>, 1>`) and flatten
 * (`Product<[3, 1000, 1000]>` = 3000000).
 *
 * How: a literal is turned into its decimal text with `${N}`, the digits are processed with
 * tail-recursive conditional types and digit lookup tables (schoolbook add/sub/mul/long division,
 * see arith/natural.ts), and the text is turned back with `${infer R extends number}`. The cost grows
 * with the number of DIGITS, not with the value, so there is no ~1000 limit as with tuple lengths.
 *
 * Contract:
 * - Inputs are integer literals, negative allowed everywhere (FloorDiv/Mod need a non-zero divisor).
 * - Exact for every input JS can write without exponent (|N| < 1e21); intermediate values (Product,
 *   Sum) are unbounded. A RESULT is a literal when its exact decimal text round-trips through a
 *   double, i.e. always up to 2^53 = 9007199254740992, and beyond that only for values a double
 *   holds exactly (2^53 + 2 yes, 2^53 + 1 no); otherwise the result is `number`.
 * - Unknown inputs: if an input is `number`, `any`, `never`, a union (e.g. `2 | 3`), a fraction or an
 *   exponent-form literal, arithmetic returns `number`, comparisons return `boolean` / `-1 | 0 | 1`,
 *   so callers can treat such dimensions as runtime-only. Unions do NOT distribute (that could
 *   multiply the work and hide a missing literal).
 * - FloorDiv/Mod by zero give `never`.
 */
import type { FromInt, IntAdd, IntCmp, IntFloorDiv, IntMod, IntMul, Negate, ToInt } from './arith/signed.js'

/** Both operands as Ints, or `false` when either is not a single integer literal. */
type Operands<A extends number, B extends number> = ToInt<A> extends infer X extends string
  ? ToInt<B> extends infer Y extends string
    ? [X, Y]
    : false
  : false

/** Sign of A - B, or `false` for non-literal operands. */
type CompareOrFalse<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? IntCmp<X, Y> : false

/**
 * `true` when N is exactly one integer literal (positive, zero or negative), `false` for `number`,
 * unions, fractions and `never`.
 * @example IsLiteralInt<-3> // true;  IsLiteralInt<number> // false;  IsLiteralInt<1.5> // false
 */
export type IsLiteralInt<N extends number> = ToInt<N> extends string ? true : false

/**
 * A + B.
 * @example Add<999, 1> // 1000;  Add<-3, 1> // -2;  Add<number, 1> // number
 */
export type Add<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? FromInt<IntAdd<X, Y>> : number

/**
 * A - B (may be negative).
 * @example Sub<1000, 1> // 999;  Sub<3, 5> // -2
 */
export type Sub<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? FromInt<IntAdd<X, Negate<Y>>> : number

/**
 * A * B.
 * @example Mul<1000, 1000> // 1000000;  Mul<4294967296, 2097152> // 9007199254740992 (2^53);  Mul<-2, 3> // -6
 */
export type Mul<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? FromInt<IntMul<X, Y>> : number

/**
 * floor(A / B), rounding toward -infinity like Python's `//`; `never` when B is 0.
 * @example FloorDiv<7, 2> // 3;  FloorDiv<-1, 2> // -1;  FloorDiv<5, 0> // never
 * @example conv output size: Add<FloorDiv<Sub<Sub<Add<H, Mul<2, P>>, Mul<D, Sub<K, 1>>>, 1>, S>, 1>
 */
export type FloorDiv<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? FromInt<IntFloorDiv<X, Y>> : number

/**
 * A - B * FloorDiv<A, B>: the remainder with the sign of B (Python's `%`); `never` when B is 0.
 * @example Mod<7, 3> // 1;  Mod<-7, 3> // 2;  Mod<7, -3> // -2
 */
export type Mod<A extends number, B extends number> =
  Operands<A, B> extends [infer X extends string, infer Y extends string] ? FromInt<IntMod<X, Y>> : number

/**
 * Sign of A - B: -1, 0 or 1 (`-1 | 0 | 1` for non-literal operands).
 * @example Compare<2, 10> // -1;  Compare<-5, -5> // 0;  Compare<number, 1> // -1 | 0 | 1
 */
export type Compare<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? C : -1 | 0 | 1

/**
 * A < B (`boolean` for non-literal operands).
 * @example Lt<2, 10> // true;  Lt<10, 10> // false
 */
export type Lt<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends -1 ? true : false) : boolean

/**
 * A <= B (`boolean` for non-literal operands).
 * @example Lte<10, 10> // true;  Lte<11, 10> // false
 */
export type Lte<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends 1 ? false : true) : boolean

/**
 * A > B (`boolean` for non-literal operands).
 * @example Gt<10, 2> // true;  Gt<-1, 0> // false
 */
export type Gt<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends 1 ? true : false) : boolean

/**
 * A >= B (`boolean` for non-literal operands).
 * @example Gte<10, 10> // true;  Gte<9, 10> // false
 */
export type Gte<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends -1 ? false : true) : boolean

/**
 * A === B for integer literals (`boolean` for non-literal operands).
 * @example Eq<3, 3> // true;  Eq<3, -3> // false;  Eq<number, 3> // boolean
 */
export type Eq<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends 0 ? true : false) : boolean

/**
 * The larger of A and B (`number` for non-literal operands).
 * @example Max<3, 7> // 7;  Max<-3, -7> // -3
 */
export type Max<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends -1 ? B : A) : number

/**
 * The smaller of A and B (`number` for non-literal operands).
 * @example Min<3, 7> // 3;  Min<-3, -7> // -7
 */
export type Min<A extends number, B extends number> =
  CompareOrFalse<A, B> extends infer C extends -1 | 0 | 1 ? (C extends 1 ? B : A) : number

/**
 * Product of a tuple of integer literals (1 for `[]`; `number` if the tuple has a variable length or
 * any element is not a literal). Intermediate products are exact at any size.
 * @example Product<[3, 1000, 1000]> // 3000000;  Product<[]> // 1;  Product<[number, 3]> // number
 */
export type Product<T extends readonly number[]> = number extends T['length'] ? number : ProductLoop<T, '1'>

type ProductLoop<T extends readonly number[], Acc extends string> = T extends readonly [
  infer H extends number,
  ...infer Rest extends readonly number[],
]
  ? ToInt<H> extends infer X extends string
    ? ProductLoop<Rest, IntMul<Acc, X>>
    : number
  : FromInt<Acc>

/**
 * Sum of a tuple of integer literals (0 for `[]`; `number` if the tuple has a variable length or any
 * element is not a literal).
 * @example Sum<[1, 2, -4]> // -1;  Sum<[]> // 0
 */
export type Sum<T extends readonly number[]> = number extends T['length'] ? number : SumLoop<T, ''>

type SumLoop<T extends readonly number[], Acc extends string> = T extends readonly [
  infer H extends number,
  ...infer Rest extends readonly number[],
]
  ? ToInt<H> extends infer X extends string
    ? SumLoop<Rest, IntAdd<Acc, X>>
    : number
  : FromInt<Acc>

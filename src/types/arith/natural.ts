/**
 * Type-level arithmetic on natural numbers written as decimal digit strings.
 *
 * Representation ("Nat"): the decimal digits in REVERSED order (least significant digit first),
 * without trailing (= most significant) zeros; zero is the empty string ''. So 1200 is '0021'.
 * Reversed order lets every loop walk both operands from the units digit with the cheap
 * `${infer Head}${infer Rest}` pattern and emit result digits by appending, so results come out
 * already reversed. All loops are tail-recursive conditional types (TS evaluates up to 1000 tail
 * iterations without growing the instantiation depth) and run once per digit, so a 16-digit
 * operation costs tens to a few thousand small instantiations instead of the O(value) cost of
 * tuple-length arithmetic.
 *
 * Internal module: the public, number-literal API is src/types/arith.ts.
 */
import type { AddTable, CmpTable, Digit, MulTable, SubTable } from './digits.js'

/** A carry or borrow digit. */
type Bit = '0' | '1'

/** Reverses a string, e.g. `Reverse<'123'>` = `'321'`. */
export type Reverse<S extends string, Acc extends string = ''> = S extends `${infer H}${infer T}`
  ? Reverse<T, `${H}${Acc}`>
  : Acc

/** Drops trailing '0' characters (the most significant zeros of a Nat), e.g. `StripZeros<'0100'>` = `'01'`. */
export type StripZeros<S extends string> = S extends `${infer H}0` ? StripZeros<H> : S

/**
 * Parses a plain decimal string (most significant digit first) into a Nat, or `false` when it holds
 * anything but digits ('1.5', '1e+21', ''). E.g. `ParseNat<'120'>` = `'021'`, `ParseNat<'0'>` = `''`.
 */
export type ParseNat<S extends string, Acc extends string = ''> = S extends `${infer H extends Digit}${infer T}`
  ? ParseNat<T, `${H}${Acc}`>
  : S extends ''
    ? Acc extends ''
      ? false
      : StripZeros<Acc>
    : false

/** Formats a Nat as a plain decimal string, e.g. `FormatNat<'021'>` = `'120'`, `FormatNat<''>` = `'0'`. */
export type FormatNat<N extends string> = N extends '' ? '0' : Reverse<N>

/** Sum of two Nats, e.g. `NatAdd<'9', '1'>` = `'01'` (9 + 1 = 10). */
export type NatAdd<A extends string, B extends string, C extends Bit = '0', Acc extends string = ''> =
  B extends `${infer b extends Digit}${infer BR}`
    ? A extends `${infer a extends Digit}${infer AR}`
      ? NatAddStep<AR, BR, AddTable[C][a][b], Acc>
      : NatAdd<B, '', C, Acc> // A ran out first: swap so the longer rest is always A
    : C extends '0'
      ? `${Acc}${A}`
      : NatAdd<A, '1', '0', Acc> // propagate the last carry through the rest of A

/** Loop body of NatAdd: takes the `[carry, unit]` pair of one digit position. */
type NatAddStep<AR extends string, BR extends string, P extends [Bit, Digit], Acc extends string> = NatAdd<AR, BR, P[0], `${Acc}${P[1]}`>

/** Difference `A - B` of two Nats; requires A >= B (else `never`). E.g. `NatSub<'01', '1'>` = `'9'`. */
export type NatSub<A extends string, B extends string, C extends Bit = '0', Acc extends string = ''> =
  B extends `${infer b extends Digit}${infer BR}`
    ? A extends `${infer a extends Digit}${infer AR}`
      ? NatSubStep<AR, BR, SubTable[C][a][b], Acc>
      : never
    : C extends '0'
      ? StripZeros<`${Acc}${A}`>
      : NatSub<A, '1', '0', Acc>

/** Loop body of NatSub: takes the `[borrow, unit]` pair of one digit position. */
type NatSubStep<AR extends string, BR extends string, P extends [Bit, Digit], Acc extends string> = NatSub<AR, BR, P[0], `${Acc}${P[1]}`>

/**
 * Sign of `A - B` for two Nats as -1 | 0 | 1, e.g. `NatCmp<'01', '9'>` = `1`. Walks both from the units
 * digit; a later (more significant) differing digit overrides the verdict, a longer Nat is larger.
 */
export type NatCmp<A extends string, B extends string, Acc extends -1 | 0 | 1 = 0> =
  A extends `${infer a extends Digit}${infer AR}`
    ? B extends `${infer b extends Digit}${infer BR}`
      ? NatCmp<AR, BR, CmpTable[a][b] extends 0 ? Acc : CmpTable[a][b]>
      : 1
    : B extends ''
      ? Acc
      : -1

/**
 * `[carry, unit]` of `a * d + r + c` for digits (at most 81 + 9 + 9 = 99, so the carry is one digit).
 * Three table lookups: a*d = 10pt + pu; pu + r = 10c1 + u1; u1 + c = 10c2 + u2; carry = pt + c1 + c2.
 */
type DigitMulAdd<a extends Digit, d extends Digit, r extends Digit, c extends Digit> =
  MulTable[a][d] extends [infer pt extends Digit, infer pu extends Digit]
    ? AddTable['0'][pu][r] extends [infer c1 extends Bit, infer u1 extends Digit]
      ? AddTable['0'][u1][c] extends [infer c2 extends Bit, infer u2 extends Digit]
        ? [AddTable[c1][pt][c2][1], u2]
        : never
      : never
    : never

/** `R + A * d` for Nats A, R and a digit d (one row of schoolbook multiplication, fused with the running sum). */
type MulDigitAdd<A extends string, d extends Digit, R extends string, C extends Digit = '0', Acc extends string = ''> =
  A extends `${infer a extends Digit}${infer AR}`
    ? R extends `${infer r extends Digit}${infer RR}`
      ? MulDigitAddStep<AR, d, RR, Acc, DigitMulAdd<a, d, r, C>>
      : MulDigitAddStep<AR, d, '', Acc, DigitMulAdd<a, d, '0', C>>
    : C extends '0'
      ? `${Acc}${R}`
      : `${Acc}${NatAdd<R, C>}`

/** Loop body of MulDigitAdd: appends the unit digit and carries on. */
type MulDigitAddStep<AR extends string, d extends Digit, RR extends string, Acc extends string, P extends [Digit, Digit]> =
  MulDigitAdd<AR, d, RR, P[0], `${Acc}${P[1]}`>

/**
 * Product of two Nats, e.g. `NatMul<'21', '3'>` = `'36'` (12 * 3 = 36). For each digit b of B (units
 * first), the running sum R becomes R + A*b; its units digit is final and moves to Out, the rest stays
 * in R. So R never grows past len(A) + 1 digits and the whole product costs len(A) * len(B) digit steps.
 */
export type NatMul<A extends string, B extends string> = A extends ''
  ? ''
  : B extends ''
    ? ''
    : NatMulLoop<A, B, '', ''>

type NatMulLoop<A extends string, B extends string, R extends string, Out extends string> =
  B extends `${infer b extends Digit}${infer BR}`
    ? (b extends '0' ? R : MulDigitAdd<A, b, R>) extends `${infer lo}${infer hi}`
      ? NatMulLoop<A, BR, hi, `${Out}${lo}`>
      : NatMulLoop<A, BR, '', `${Out}0`>
    : `${Out}${R}`

/** The ten multiples `[0*B, 1*B, ..., 9*B]` of a Nat, the candidate subtrahends of long division. */
type Multiples<B extends string, Prev extends string = B, Acc extends string[] = ['', B]> = Acc['length'] extends 10
  ? Acc
  : Multiples<B, NatAdd<Prev, B>, [...Acc, NatAdd<Prev, B>]>

/** Ten Nats indexed by digit. */
type TenNats = [string, string, string, string, string, string, string, string, string, string]

/** Successor of a digit ('9' maps to itself; QuotDigit stops before using it). */
type NextDigit = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '9']

/** Largest digit q with M[q] <= R, where M = Multiples<B> and R < 10 * B. */
type QuotDigit<M extends TenNats, R extends string, q extends Digit = '0'> = q extends '9'
  ? '9'
  : NatCmp<M[NextDigit[q]], R> extends 1
    ? q
    : QuotDigit<M, R, NextDigit[q]>

/**
 * `[quotient, remainder]` of Nats A / B (truncating; B must be non-zero), e.g. `NatDivMod<'71', '5'>` =
 * `['3', '2']` (17 = 3 * 5 + 2). Schoolbook long division over A's digits, most significant first: shift
 * the next digit into the remainder, pick the quotient digit from the precomputed multiples of B.
 */
export type NatDivMod<A extends string, B extends string> = NatCmp<A, B> extends -1
  ? ['', A]
  : Multiples<B> extends infer M extends TenNats
    ? DivLoop<Reverse<A>, M, '', ''>
    : never

/** D: A's remaining digits, most significant first; R: running remainder (Nat); Q: quotient so far (Nat). */
type DivLoop<D extends string, M extends TenNats, R extends string, Q extends string> =
  D extends `${infer x extends Digit}${infer Rest}`
    ? DivStep<Rest, M, R extends '' ? (x extends '0' ? '' : x) : `${x}${R}`, Q>
    : [Q, R]

type DivStep<Rest extends string, M extends TenNats, R extends string, Q extends string> =
  QuotDigit<M, R> extends infer q extends Digit
    ? DivLoop<Rest, M, NatSub<R, M[q]>, Q extends '' ? (q extends '0' ? '' : q) : `${q}${Q}`>
    : never

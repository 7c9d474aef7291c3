import { describe, expectTypeOf, it } from 'vitest'
import type {
  Add,
  Compare,
  Eq,
  FloorDiv,
  Gt,
  Gte,
  IsLiteralInt,
  Lt,
  Lte,
  Max,
  Min,
  Mod,
  Mul,
  Product,
  Sub,
  Sum,
} from '../../src/types/arith.js'

/** 2^53 = 9007199254740992, the largest power of two below which every integer is a double. */
type Two53 = 9007199254740992

describe('Add', () => {
  it('adds with carries and zeros', () => {
    expectTypeOf<Add<0, 0>>().toEqualTypeOf<0>()
    expectTypeOf<Add<0, 7>>().toEqualTypeOf<7>()
    expectTypeOf<Add<5, 5>>().toEqualTypeOf<10>()
    expectTypeOf<Add<999, 1>>().toEqualTypeOf<1000>()
    expectTypeOf<Add<1, 999999999>>().toEqualTypeOf<1000000000>()
    expectTypeOf<Add<123456789, 987654321>>().toEqualTypeOf<1111111110>()
  })
  it('adds signed values', () => {
    expectTypeOf<Add<-3, 1>>().toEqualTypeOf<-2>()
    expectTypeOf<Add<3, -3>>().toEqualTypeOf<0>()
    expectTypeOf<Add<-999, -1>>().toEqualTypeOf<-1000>()
    expectTypeOf<Add<-1000, 1>>().toEqualTypeOf<-999>()
  })
  it('is exact at the 2^53 edge and gives number past what a double holds', () => {
    expectTypeOf<Add<9007199254740991, 1>>().toEqualTypeOf<Two53>()
    expectTypeOf<Add<4503599627370496, 4503599627370496>>().toEqualTypeOf<Two53>()
    expectTypeOf<Add<Two53, 2>>().toEqualTypeOf<9007199254740994>() // still an exact double
    expectTypeOf<Add<Two53, 1>>().toEqualTypeOf<number>() // 2^53 + 1 has no double
    expectTypeOf<Add<-9007199254740991, -1>>().toEqualTypeOf<-9007199254740992>()
  })
})

describe('Sub', () => {
  it('borrows across digits and may go negative', () => {
    expectTypeOf<Sub<1000, 1>>().toEqualTypeOf<999>()
    expectTypeOf<Sub<1000000, 999999>>().toEqualTypeOf<1>()
    expectTypeOf<Sub<7, 7>>().toEqualTypeOf<0>()
    expectTypeOf<Sub<3, 5>>().toEqualTypeOf<-2>()
    expectTypeOf<Sub<0, 1000>>().toEqualTypeOf<-1000>()
    expectTypeOf<Sub<-5, -8>>().toEqualTypeOf<3>()
    expectTypeOf<Sub<-5, 8>>().toEqualTypeOf<-13>()
    expectTypeOf<Sub<Two53, 9007199254740991>>().toEqualTypeOf<1>()
    expectTypeOf<Sub<0, Two53>>().toEqualTypeOf<-9007199254740992>()
  })
})

describe('Mul', () => {
  it('multiplies with carries, zeros and signs', () => {
    expectTypeOf<Mul<0, 123>>().toEqualTypeOf<0>()
    expectTypeOf<Mul<123, 0>>().toEqualTypeOf<0>()
    expectTypeOf<Mul<9, 9>>().toEqualTypeOf<81>()
    expectTypeOf<Mul<99, 99>>().toEqualTypeOf<9801>()
    expectTypeOf<Mul<1000, 1000>>().toEqualTypeOf<1000000>()
    expectTypeOf<Mul<3, Mul<1000, 1000>>>().toEqualTypeOf<3000000>()
    expectTypeOf<Mul<-2, 3>>().toEqualTypeOf<-6>()
    expectTypeOf<Mul<-2, -3>>().toEqualTypeOf<6>()
    expectTypeOf<Mul<-5, 0>>().toEqualTypeOf<0>()
  })
  it('is exact up to 2^53', () => {
    expectTypeOf<Mul<4294967296, 2097152>>().toEqualTypeOf<Two53>()
    expectTypeOf<Mul<94906265, 94906265>>().toEqualTypeOf<9007199136250225>()
    expectTypeOf<Mul<Two53, 2>>().toEqualTypeOf<18014398509481984>() // exact double beyond 2^53
    expectTypeOf<Mul<Two53, 3>>().toEqualTypeOf<27021597764222976>()
    expectTypeOf<Mul<9007199254740991, 3>>().toEqualTypeOf<number>() // 27021597764222973 is no double
    expectTypeOf<Mul<10000000000, 10000000000>>().toEqualTypeOf<100000000000000000000>()
    expectTypeOf<Mul<10000000000, 100000000000>>().toEqualTypeOf<number>() // 1e21 prints in exponent form
  })
})

describe('FloorDiv and Mod', () => {
  it('divides, rounding toward -infinity', () => {
    expectTypeOf<FloorDiv<7, 2>>().toEqualTypeOf<3>()
    expectTypeOf<FloorDiv<6, 2>>().toEqualTypeOf<3>()
    expectTypeOf<FloorDiv<0, 5>>().toEqualTypeOf<0>()
    expectTypeOf<FloorDiv<1, 5>>().toEqualTypeOf<0>()
    expectTypeOf<FloorDiv<-1, 2>>().toEqualTypeOf<-1>()
    expectTypeOf<FloorDiv<-4, 2>>().toEqualTypeOf<-2>()
    expectTypeOf<FloorDiv<-7, 2>>().toEqualTypeOf<-4>()
    expectTypeOf<FloorDiv<7, -2>>().toEqualTypeOf<-4>()
    expectTypeOf<FloorDiv<-7, -2>>().toEqualTypeOf<3>()
    expectTypeOf<FloorDiv<3000000, 1000>>().toEqualTypeOf<3000>()
    expectTypeOf<FloorDiv<Two53, 4294967296>>().toEqualTypeOf<2097152>()
    expectTypeOf<FloorDiv<9007199254740991, 10>>().toEqualTypeOf<900719925474099>()
    expectTypeOf<FloorDiv<9007199254740991, 9007199254740991>>().toEqualTypeOf<1>()
  })
  it('is never for a zero divisor', () => {
    expectTypeOf<FloorDiv<5, 0>>().toEqualTypeOf<never>()
    expectTypeOf<Mod<5, 0>>().toEqualTypeOf<never>()
  })
  it('takes the remainder with the sign of the divisor', () => {
    expectTypeOf<Mod<7, 3>>().toEqualTypeOf<1>()
    expectTypeOf<Mod<6, 3>>().toEqualTypeOf<0>()
    expectTypeOf<Mod<-7, 3>>().toEqualTypeOf<2>()
    expectTypeOf<Mod<7, -3>>().toEqualTypeOf<-2>()
    expectTypeOf<Mod<-7, -3>>().toEqualTypeOf<-1>()
    expectTypeOf<Mod<9007199254740991, 1000>>().toEqualTypeOf<991>()
  })
  it('computes conv output sizes: FloorDiv<H + 2P - D*(K-1) - 1, S> + 1', () => {
    type ConvOut<H extends number, K extends number, S extends number, P extends number, D extends number> = Add<
      FloorDiv<Sub<Sub<Add<H, Mul<2, P>>, Mul<D, Sub<K, 1>>>, 1>, S>,
      1
    >
    expectTypeOf<ConvOut<28, 5, 1, 0, 1>>().toEqualTypeOf<24>()
    expectTypeOf<ConvOut<28, 5, 1, 2, 1>>().toEqualTypeOf<28>()
    expectTypeOf<ConvOut<224, 7, 2, 3, 1>>().toEqualTypeOf<112>()
    expectTypeOf<ConvOut<32, 3, 1, 0, 2>>().toEqualTypeOf<28>()
    expectTypeOf<ConvOut<4, 5, 1, 0, 1>>().toEqualTypeOf<0>() // kernel larger than input: negative numerator floors
    expectTypeOf<ConvOut<number, 5, 1, 0, 1>>().toEqualTypeOf<number>()
  })
})

describe('comparisons', () => {
  it('compares by magnitude and sign, not by text', () => {
    expectTypeOf<Compare<2, 10>>().toEqualTypeOf<-1>()
    expectTypeOf<Compare<10, 2>>().toEqualTypeOf<1>()
    expectTypeOf<Compare<0, 0>>().toEqualTypeOf<0>()
    expectTypeOf<Compare<-5, -5>>().toEqualTypeOf<0>()
    expectTypeOf<Compare<-10, -2>>().toEqualTypeOf<-1>()
    expectTypeOf<Compare<-1, 0>>().toEqualTypeOf<-1>()
    expectTypeOf<Compare<19, 91>>().toEqualTypeOf<-1>()
    expectTypeOf<Compare<9007199254740991, Two53>>().toEqualTypeOf<-1>()
  })
  it('derives the boolean comparisons, Max and Min', () => {
    expectTypeOf<Lt<2, 10>>().toEqualTypeOf<true>()
    expectTypeOf<Lt<10, 10>>().toEqualTypeOf<false>()
    expectTypeOf<Lte<10, 10>>().toEqualTypeOf<true>()
    expectTypeOf<Lte<11, 10>>().toEqualTypeOf<false>()
    expectTypeOf<Gt<10, 2>>().toEqualTypeOf<true>()
    expectTypeOf<Gt<-1, 0>>().toEqualTypeOf<false>()
    expectTypeOf<Gte<10, 10>>().toEqualTypeOf<true>()
    expectTypeOf<Gte<9, 10>>().toEqualTypeOf<false>()
    expectTypeOf<Eq<3, 3>>().toEqualTypeOf<true>()
    expectTypeOf<Eq<3, -3>>().toEqualTypeOf<false>()
    expectTypeOf<Max<3, 7>>().toEqualTypeOf<7>()
    expectTypeOf<Max<-3, -7>>().toEqualTypeOf<-3>()
    expectTypeOf<Min<3, 7>>().toEqualTypeOf<3>()
    expectTypeOf<Min<-3, -7>>().toEqualTypeOf<-7>()
  })
})

describe('Product and Sum', () => {
  it('folds tuples', () => {
    expectTypeOf<Product<[]>>().toEqualTypeOf<1>()
    expectTypeOf<Product<[7]>>().toEqualTypeOf<7>()
    expectTypeOf<Product<[3, 1000, 1000]>>().toEqualTypeOf<3000000>()
    expectTypeOf<Product<readonly [2, -3, 4]>>().toEqualTypeOf<-24>()
    expectTypeOf<Product<[1024, 1024, 1024, 1024, 1024, 8]>>().toEqualTypeOf<Two53>()
    expectTypeOf<Product<[5, 0, 7]>>().toEqualTypeOf<0>()
    expectTypeOf<Sum<[]>>().toEqualTypeOf<0>()
    expectTypeOf<Sum<[1, 2, -4]>>().toEqualTypeOf<-1>()
    expectTypeOf<Sum<[999, 1, 1000000]>>().toEqualTypeOf<1001000>()
  })
  it('keeps intermediate values exact beyond 2^53', () => {
    expectTypeOf<FloorDiv<Product<[Two53, Two53, 3]>, Two53>>().toEqualTypeOf<number>() // the Product itself is no literal
    expectTypeOf<Product<[Two53, 1000, 0]>>().toEqualTypeOf<0>()
    expectTypeOf<Sum<[Two53, 1, -1]>>().toEqualTypeOf<Two53>()
  })
  it('is number for variable-length tuples or unknown elements', () => {
    expectTypeOf<Product<number[]>>().toEqualTypeOf<number>()
    expectTypeOf<Product<[2, ...number[]]>>().toEqualTypeOf<number>()
    expectTypeOf<Product<[number, 3, 1000, 1000]>>().toEqualTypeOf<number>()
    expectTypeOf<Sum<[1, number]>>().toEqualTypeOf<number>()
  })
})

describe('non-literal inputs', () => {
  it('propagate number / boolean / -1 | 0 | 1', () => {
    expectTypeOf<Add<number, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Sub<1, number>>().toEqualTypeOf<number>()
    expectTypeOf<Mul<number, number>>().toEqualTypeOf<number>()
    expectTypeOf<FloorDiv<number, 2>>().toEqualTypeOf<number>()
    expectTypeOf<Mod<7, number>>().toEqualTypeOf<number>()
    expectTypeOf<Max<number, 2>>().toEqualTypeOf<number>()
    expectTypeOf<Min<2, number>>().toEqualTypeOf<number>()
    expectTypeOf<Compare<number, 1>>().toEqualTypeOf<-1 | 0 | 1>()
    expectTypeOf<Lt<number, 1>>().toEqualTypeOf<boolean>()
    expectTypeOf<Lte<1, number>>().toEqualTypeOf<boolean>()
    expectTypeOf<Gt<number, 1>>().toEqualTypeOf<boolean>()
    expectTypeOf<Gte<number, 1>>().toEqualTypeOf<boolean>()
    expectTypeOf<Eq<number, 1>>().toEqualTypeOf<boolean>()
  })
  it('treat unions, fractions, exponent literals, any and never like number (no distribution)', () => {
    expectTypeOf<Add<1 | 2, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Add<1.5, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Mul<1e21, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Add<any, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Add<never, 1>>().toEqualTypeOf<number>()
    expectTypeOf<Lt<2 | 3, 4>>().toEqualTypeOf<boolean>()
  })
  it('IsLiteralInt tells literals apart', () => {
    expectTypeOf<IsLiteralInt<0>>().toEqualTypeOf<true>()
    expectTypeOf<IsLiteralInt<42>>().toEqualTypeOf<true>()
    expectTypeOf<IsLiteralInt<-3>>().toEqualTypeOf<true>()
    expectTypeOf<IsLiteralInt<Two53>>().toEqualTypeOf<true>()
    expectTypeOf<IsLiteralInt<number>>().toEqualTypeOf<false>()
    expectTypeOf<IsLiteralInt<2 | 3>>().toEqualTypeOf<false>()
    expectTypeOf<IsLiteralInt<1.5>>().toEqualTypeOf<false>()
    expectTypeOf<IsLiteralInt<-0.5>>().toEqualTypeOf<false>()
    expectTypeOf<IsLiteralInt<1e21>>().toEqualTypeOf<false>()
    expectTypeOf<IsLiteralInt<never>>().toEqualTypeOf<false>()
  })
  it('resolve once generic parameters are known', () => {
    type Flatten<S extends readonly number[]> = S extends readonly [infer N extends number, ...infer Rest extends number[]]
      ? [N, Product<Rest>]
      : never
    expectTypeOf<Flatten<[32, 3, 1000, 1000]>>().toEqualTypeOf<[32, 3000000]>()
    expectTypeOf<Flatten<[number, 3, 1000, 1000]>>().toEqualTypeOf<[number, 3000000]>()
  })
})

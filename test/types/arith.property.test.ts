/**
 * Property test for the type-level arithmetic in src/types/arith.ts: random operands (up to 2^53,
 * both signs), expected values computed with bigint at runtime, all cases written as type assertions
 * into ONE generated file that must compile without diagnostics (a single program, a few seconds).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileSource, SRC_FROM_TMP } from '../support/compile.js'

const TWO_53 = 2n ** 53n

/** One generated assertion: `Op<args>` must equal `expected` (a literal, `number`, boolean...). */
interface Case {
  readonly expr: string
  readonly expected: string
}

/** What the type-level result must be: the literal when its decimal text round-trips through a double (TS's rule), else `number`. */
const numberType = (v: bigint): string => (String(Number(v)) === v.toString() ? v.toString() : 'number')

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b // truncates toward zero
  return (a % b !== 0n && a < 0n !== b < 0n) ? q - 1n : q
}
const mod = (a: bigint, b: bigint): bigint => a - b * floorDiv(a, b)
const sign = (v: bigint): string => (v < 0n ? '-1' : v > 0n ? '1' : '0')

/** Integers spread over all magnitudes: small, around 10^7 (typical flattened sizes) and up to 2^53. */
const anyInt = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }),
  fc.bigInt({ min: -TWO_53, max: TWO_53 }),
)
const positive = fc.oneof(fc.bigInt({ min: 1n, max: 20n }), fc.bigInt({ min: 1n, max: 10n ** 8n }), fc.bigInt({ min: 1n, max: TWO_53 }))
/** Pairs whose product mostly stays within 2^53 (so the result is a literal), sometimes beyond. */
const mulPair = fc.oneof(
  positive.chain((a) => fc.tuple(fc.constant(a), fc.bigInt({ min: -(TWO_53 / a), max: TWO_53 / a }))),
  fc.tuple(anyInt, anyInt),
)
const divisor = fc.oneof(positive, positive.map((b) => -b))

const binary = (op: string, a: bigint, b: bigint, expected: string): Case => ({ expr: `${op}<${a}, ${b}>`, expected })

const cases = fc.tuple(
  fc.array(fc.tuple(anyInt, anyInt), { minLength: 100, maxLength: 100 }),
  fc.array(mulPair, { minLength: 100, maxLength: 100 }),
  fc.array(fc.tuple(anyInt, divisor), { minLength: 100, maxLength: 100 }),
  fc.array(fc.array(fc.oneof(anyInt, fc.bigInt({ min: -5000n, max: 5000n })), { maxLength: 5 }), { minLength: 50, maxLength: 50 }),
).map(([addSub, mul, div, lists]): Case[] => [
  ...addSub.flatMap(([a, b]) => [
    binary('Add', a, b, numberType(a + b)),
    binary('Sub', a, b, numberType(a - b)),
    binary('Compare', a, b, sign(a - b)),
    binary('Max', a, b, (a > b ? a : b).toString()),
    // equal operands exercise the 0 branch of the comparisons
    binary('Compare', a, a, '0'),
    binary('Lte', a, a, 'true'),
    binary('Lt', a, b, String(a < b)),
    binary('Gte', a, b, String(a >= b)),
  ]),
  ...mul.map(([a, b]) => binary('Mul', a, b, numberType(a * b))),
  ...div.flatMap(([a, b]) => [binary('FloorDiv', a, b, numberType(floorDiv(a, b))), binary('Mod', a, b, numberType(mod(a, b)))]),
  ...lists.flatMap((xs) => [
    { expr: `Product<[${xs.join(', ')}]>`, expected: numberType(xs.reduce((p, x) => p * x, 1n)) },
    { expr: `Sum<[${xs.join(', ')}]>`, expected: numberType(xs.reduce((s, x) => s + x, 0n)) },
  ]),
])

/** Every single-digit pair: checks each entry of the digit lookup tables once. */
const digitCases: Case[] = Array.from({ length: 100 }, (_, i) => [BigInt(Math.floor(i / 10)), BigInt(i % 10)] as const).flatMap(
  ([a, b]) => [
    binary('Add', a, b, (a + b).toString()),
    binary('Sub', a, b, (a - b).toString()),
    binary('Mul', a, b, (a * b).toString()),
    binary('Compare', a, b, sign(a - b)),
    // two-digit operands whose units digits carry/borrow into the tens: the carry-in half of the tables
    binary('Add', 10n + a, 9n + b, (19n + a + b).toString()),
    binary('Sub', 100n + a, 9n + b, (91n + a - b).toString()),
  ],
)

const source = (all: readonly Case[]): string =>
  [
    `import type { Add, Sub, Mul, FloorDiv, Mod, Compare, Lt, Lte, Gte, Max, Product, Sum } from '${SRC_FROM_TMP}/types/arith.js'`,
    'type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false',
    'type Expect<T extends true> = T',
    ...all.map(({ expr, expected }, i) =>
      // the const line additionally checks plain assignability of the literal, as user code would see it
      expected === 'number'
        ? `type _c${i} = Expect<Equal<${expr}, number>>`
        : `type _c${i} = Expect<Equal<${expr}, ${expected}>>; const _v${i}: ${expr} = ${expected} as const`,
    ),
    `export {}`,
  ].join('\n')

describe('type-level arithmetic agrees with bigint arithmetic', () => {
  it('on ~1800 random and exhaustive single-digit cases, compiled as one program', () => {
    fc.assert(
      fc.property(cases, (random) => {
        const text = source([...digitCases, ...random])
        const diagnostics = compileSource({ 'arith-cases.ts': text })
        const lines = text.split('\n')
        // show the offending assertion next to each diagnostic
        const explained = diagnostics.map((d) => {
          const line = /\((\d+),\d+\)/.exec(d)?.[1]
          return line ? `${d}\n    at: ${lines[Number(line) - 1]}` : d
        })
        expect(explained).toEqual([])
      }),
      { numRuns: 1, endOnFailure: true },
    )
  })
})

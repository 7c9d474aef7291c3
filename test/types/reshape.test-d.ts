/**
 * reshape's type rule (src/types/rules/reshape.ts): the -1 is computed in the types also with symbolic dims,
 * names cancelling and known sizes dividing exactly, spelled as the runtime spells it ('4*N'); inside
 * functions generic over the batch name it resolves to the type parameter. Its runtime twin is checked
 * against these shapes in test/ops/reshape.test.ts.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { describe, expectTypeOf, it } from 'vitest'
import { type Expr, F, input, reshape, sequential } from '../../src/dsl/index.js'
import type { ReshapeOut } from '../../src/types/index.js'

describe('ReshapeOut', () => {
  it('infers the -1 with a symbolic batch', () => {
    expectTypeOf<ReshapeOut<['N', 4, 8], [-1, 32]>>().toEqualTypeOf<readonly ['N', 32]>()
    expectTypeOf<ReshapeOut<['N', 4, 8], ['N', -1]>>().toEqualTypeOf<readonly ['N', 32]>()
    expectTypeOf<ReshapeOut<['N', 4, 8], [-1, 8]>>().toEqualTypeOf<readonly ['4*N', 8]>()
    expectTypeOf<ReshapeOut<['N', 8], [2, -1]>>().toEqualTypeOf<readonly [2, '4*N']>()
    expectTypeOf<ReshapeOut<['N', 4, 'M', 8], ['M', -1, 2]>>().toEqualTypeOf<readonly ['M', '16*N', 2]>()
    expectTypeOf<ReshapeOut<['N', 'M'], ['M', 'N', -1]>>().toEqualTypeOf<readonly ['M', 'N', 1]>()
  })
  it('splits products such as 4*N, so reshaping back cancels them', () => {
    expectTypeOf<ReshapeOut<['4*N', 8], ['N', -1]>>().toEqualTypeOf<readonly ['N', 32]>()
    expectTypeOf<ReshapeOut<['4*N', 8], [-1, 32]>>().toEqualTypeOf<readonly ['N', 32]>()
    expectTypeOf<ReshapeOut<['2*N', 3], [-1]>>().toEqualTypeOf<readonly ['6*N']>()
    expectTypeOf<ReshapeOut<['N*M', 4], ['M', -1]>>().toEqualTypeOf<readonly ['M', '4*N']>()
  })
  it('keeps the known-size rule', () => {
    expectTypeOf<ReshapeOut<[2, 4, 8], [-1, 16]>>().toEqualTypeOf<readonly [4, 16]>()
    expectTypeOf<ReshapeOut<[256, 16, 5, 5], [256, 400]>>().toEqualTypeOf<[256, 400]>()
    expectTypeOf<ReshapeOut<['N', 16], ['N', 4, 4]>>().toEqualTypeOf<['N', 4, 4]>()
  })
  it("is the runtime rule's ShapeError text when the sizes do not divide or a name does not cancel", () => {
    expectTypeOf<ReshapeOut<['N', 3, 5], [-1, 4]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4]'>()
    expectTypeOf<ReshapeOut<['N', 4, 8], ['N', -1, 5]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [N, 4, 8] (32*N elements) into [N, -1, 5]'>()
    expectTypeOf<ReshapeOut<['4*N', 3], [-1, 8]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [4*N, 3] (3*4*N elements) into [-1, 8]'>()
    expectTypeOf<ReshapeOut<[4, 8], ['N', -1]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [4, 8] (32 elements) into [N, -1]'>()
    expectTypeOf<ReshapeOut<['N', 4], ['M', -1]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [N, 4] (4*N elements) into [M, -1]'>()
    expectTypeOf<ReshapeOut<[2, 4], [-1, 0]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [2, 4] (8 elements) into [-1, 0]'>()
    expectTypeOf<ReshapeOut<['N', 4], [-1, -1]>>().toEqualTypeOf<'ShapeError: reshape target [-1, -1] has more than one -1'>()
  })
  it('leaves to the runtime rule what depends on an unknown (`number`) dim', () => {
    expectTypeOf<ReshapeOut<[number, 4], [-1, 2]>>().toEqualTypeOf<readonly [number, 2]>()
    expectTypeOf<ReshapeOut<['N', 4], [-1, number]>>().toEqualTypeOf<readonly [number, number]>()
    expectTypeOf<ReshapeOut<readonly (string | number)[], [-1, 2]>>().toEqualTypeOf<readonly [number, 2]>()
  })
})

describe('F.reshape and the reshape layer', () => {
  it('give the shapes of the rule', () => {
    expectTypeOf(F.reshape(input('x', ['N', 4, 8]), [-1, 32])).toEqualTypeOf<Expr<readonly ['N', 32], 'float32'>>()
    expectTypeOf(F.reshape(F.reshape(input('x', ['N', 4, 8]), [-1, 8]), ['N', -1])).toEqualTypeOf<Expr<readonly ['N', 32], 'float32'>>()
    expectTypeOf(sequential(['N', 16, 5, 5], reshape(['N', -1]))._out).toEqualTypeOf<readonly ['N', 400] | undefined>()
    // @ts-expect-error 15*N elements are not a multiple of 4
    F.reshape(input('x', ['N', 3, 5]), [-1, 4])
    // @ts-expect-error two -1s
    F.reshape(input('x', ['N', 3, 5]), [-1, -1])
  })
  it('compute the -1 inside functions generic over the batch name', () => {
    const rows = <N extends string>(x: Expr<readonly [N, 4, 8]>) => {
      const flat = F.reshape(x, [-1, 32])
      expectTypeOf(flat).toEqualTypeOf<Expr<readonly [N, 32], 'float32'>>()
      const named = F.reshape(x, [x.shape[0], -1])
      expectTypeOf(named).toEqualTypeOf<Expr<readonly [N, 32], 'float32'>>()
      const tall = F.reshape(x, [-1, 8])
      expectTypeOf(tall).toEqualTypeOf<Expr<readonly [`4*${N}`, 8], 'float32'>>()
      const back = F.reshape(tall, [x.shape[0], -1])
      expectTypeOf(back).toEqualTypeOf<Expr<readonly [N, 32], 'float32'>>()
      // @ts-expect-error 32*N elements are not a multiple of 5
      F.reshape(x, [-1, 5])
      return [flat, tall, back, pipe(x, reshape([-1, 16]))] as const
    }
    expectTypeOf(rows(input('x', ['B', 4, 8]))).toEqualTypeOf<
      readonly [Expr<readonly ['B', 32], 'float32'>, Expr<readonly ['4*B', 8], 'float32'>, Expr<readonly ['B', 32], 'float32'>, Expr<readonly ['2*B', 16], 'float32'>]
    >()
    const grid = <N extends string, M extends string>(x: Expr<readonly [N, M, 4]>) => {
      const pairs = F.reshape(x, [-1, 2])
      expectTypeOf(pairs).toEqualTypeOf<Expr<readonly [`2*${N}*${M}`, 2], 'float32'>>()
      return F.reshape(pairs, [x.shape[0], -1])
    }
    expectTypeOf(grid(input('x', ['B', 'T', 4]))).toEqualTypeOf<Expr<readonly ['B', '4*T'], 'float32'>>()
  })
})

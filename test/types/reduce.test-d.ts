/** The reductions' type-level rule: F.sum / F.mean / F.max over typed axes (negative allowed) with keepDims. */
import { describe, expectTypeOf, it } from 'vitest'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import type { ReduceOut } from '../../src/types/index.js'

const x = input('x', ['N', 10, 4])

describe('ReduceOut', () => {
  it('drops or keeps the reduced axes, negative axes counting from the end', () => {
    expectTypeOf<ReduceOut<['N', 10, 4], [1], false>>().toEqualTypeOf<readonly ['N', 4]>()
    expectTypeOf<ReduceOut<['N', 10, 4], [0, -1], true>>().toEqualTypeOf<readonly [1, 10, 1]>()
    expectTypeOf<ReduceOut<['N', 10, 4], [-1, 2], false>>().toEqualTypeOf<readonly ['N', 10]>()
    expectTypeOf<ReduceOut<['N', 10, 4], [], false>>().toEqualTypeOf<readonly ['N', 10, 4]>()
    expectTypeOf<ReduceOut<['N', 10], undefined, false>>().toEqualTypeOf<readonly []>()
    expectTypeOf<ReduceOut<['N', 10], undefined, true>>().toEqualTypeOf<readonly [1, 1]>()
  })
  it('is the runtime ShapeError text for an axis out of range', () => {
    expectTypeOf<ReduceOut<['N', 10], [2], false, 'sum'>>().toEqualTypeOf<'ShapeError: sum axes [2] out of range for [N, 10]'>()
    expectTypeOf<ReduceOut<['N', 10], [0, -3], true, 'max'>>().toEqualTypeOf<'ShapeError: max axes [0, -3] out of range for [N, 10]'>()
  })
  it('is Shape for an unknown rank or unknown axes', () => {
    expectTypeOf<ReduceOut<readonly number[], [0], false>>().toEqualTypeOf<readonly (string | number)[]>()
    expectTypeOf<ReduceOut<['N', 10], number[], false>>().toEqualTypeOf<readonly (string | number)[]>()
  })
})

describe('F.sum / F.mean / F.max', () => {
  it('reduce every axis with no axes given (the old form)', () => {
    expectTypeOf(F.sum(x)).toEqualTypeOf<Expr<readonly [], 'float32'>>()
    expectTypeOf(F.mean(x)).toEqualTypeOf<Expr<readonly [], 'float32'>>()
    expectTypeOf(F.max(x, undefined, true)).toEqualTypeOf<Expr<readonly [1, 1, 1], 'float32'>>()
  })
  it('compute the shape over the given axes', () => {
    expectTypeOf(F.sum(x, [1])).toEqualTypeOf<Expr<readonly ['N', 4], 'float32'>>()
    expectTypeOf(F.mean(x, [0, -1], true)).toEqualTypeOf<Expr<readonly [1, 10, 1], 'float32'>>()
    expectTypeOf(F.max(x, [-3])).toEqualTypeOf<Expr<readonly [10, 4], 'float32'>>()
  })
  it('report an axis out of range at the axes argument, with the runtime text', () => {
    // @ts-expect-error -- 'ShapeError: sum axes [3] out of range for [N, 10, 4]'
    F.sum(x, [3])
    // @ts-expect-error -- 'ShapeError: max axes [-4, 0] out of range for [N, 10, 4]'
    F.max(x, [-4, 0], true)
    expectTypeOf(F.mean<typeof x, readonly [3]>).parameter(1).toEqualTypeOf<'ShapeError: mean axes [3] out of range for [N, 10, 4]' | undefined>()
  })
})

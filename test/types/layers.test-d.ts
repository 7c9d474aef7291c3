/** Positive type-level shapes: what hovering shows in the editor. */
import { describe, expectTypeOf, it } from 'vitest'
import { lenet, y } from '../../examples/lenet.js'
import { logits } from '../../examples/lenet-pipe.js'
import {
  type ChainParams, type Expr, type Tensor, F, avgPool2d, batchNorm1d, batchNorm2d, conv2d, flatten, input, intInput, linear, maxPool2d, mul, reshape, sequential, sigmoid, softmax,
} from '../../src/dsl/index.js'
import type { Apply } from '../../src/types/fn.js'
import type { Conv2dFn, PoolFn } from '../../src/types/rules/conv2d.js'
import type { Broadcast } from '../../src/types/rules/misc.js'

describe('LeNet types', () => {
  it('outputs [N, 10] from the sequential and the pipe form', () => {
    expectTypeOf(y.shape).toEqualTypeOf<readonly ['N', 10]>()
    expectTypeOf(logits.shape).toEqualTypeOf<readonly ['N', 10]>()
  })
  it('has a parameter tree by layer index, typed per layer by ChainParams', () => {
    const p = lenet.init([0, 0])
    expectTypeOf(p[0]!.weight).toEqualTypeOf<Tensor>()
    const layers = [conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(), linear(400, 120)] as const
    type P = ChainParams<typeof layers>
    expectTypeOf<P[0]['weight']>().toEqualTypeOf<Tensor<readonly [6, 1, 5, 5]>>()
    expectTypeOf<P[0]['bias']>().toEqualTypeOf<Tensor<readonly [6]>>()
    expectTypeOf<P[2]['weight']>().toEqualTypeOf<Tensor<readonly [120, 400]>>()
    expectTypeOf<keyof P[1] & string>().toEqualTypeOf<never>()
  })
  it('mul() keeps literal types', () => {
    expectTypeOf(mul(16, 5, 5)).toEqualTypeOf<400>()
    expectTypeOf(mul(3, 1000, 1000)).toEqualTypeOf<3000000>()
  })
})

describe('large images', () => {
  it('flattens 1000x1000 and 3x1000x1000 exactly', () => {
    const m1 = sequential(['N', 1, 1000, 1000], flatten())
    const m3 = sequential(['N', 3, 1000, 1000], flatten(), linear(mul(3, 1000, 1000), 10))
    expectTypeOf(m1(input('x', ['N', 1, 1000, 1000])).shape).toEqualTypeOf<readonly ['N', 1000000]>()
    expectTypeOf(m3(input('x', ['N', 3, 1000, 1000])).shape).toEqualTypeOf<readonly ['N', 10]>()
  })
  it('runs conv/pool arithmetic on 1000x1000 inputs', () => {
    const m = sequential(
      ['N', 3, 1000, 1000],
      conv2d(3, 8, { kernel: 7, stride: 2, padding: 3 }),
      maxPool2d({ kernel: 3, stride: 2, padding: 1 }),
      conv2d(8, 16, { kernel: 3, dilation: 2, padding: 'same' }),
      flatten(),
    )
    expectTypeOf(m(input('x', ['N', 3, 1000, 1000])).shape).toEqualTypeOf<readonly ['N', 1000000]>()
  })
})

describe('shape functions', () => {
  it('conv2d with stride, padding and dilation', () => {
    expectTypeOf<Apply<Conv2dFn<3, 64, [7, 7], [2, 2], [3, 3], [1, 1]>, readonly [8, 3, 224, 224]>>().toEqualTypeOf<readonly [8, 64, 112, 112]>()
    expectTypeOf<Apply<Conv2dFn<1, 1, [3, 3], [1, 1], [0, 0], [2, 2]>, readonly ['N', 1, 10, 9]>>().toEqualTypeOf<readonly ['N', 1, 6, 5]>()
    expectTypeOf<Apply<Conv2dFn<1, 4, [3, 3], [2, 2], 'same', [1, 1]>, readonly ['N', 1, 7, 8]>>().toEqualTypeOf<readonly ['N', 4, 4, 4]>()
  })
  it('pooling', () => {
    expectTypeOf<Apply<PoolFn<'avgPool2d', [2, 2], [2, 2], [0, 0]>, readonly ['N', 6, 28, 28]>>().toEqualTypeOf<readonly ['N', 6, 14, 14]>()
  })
  it('leaves unknown and symbolic spatial dims to run time', () => {
    expectTypeOf<Apply<Conv2dFn<1, 6, [5, 5], [1, 1], [0, 0], [1, 1]>, readonly ['N', 1, number, 'W']>>().toEqualTypeOf<readonly ['N', 6, number, number]>()
    const m = sequential(['N', 'C', 28, 28], conv2d(3, 6, { kernel: 5 }))
    expectTypeOf(m._out).toEqualTypeOf<readonly ['N', 6, 24, 24] | undefined>()
  })
  it('defers checks on unknown (`number`) dims to run time', () => {
    const m = sequential(
      ['N', 1, 0 as number, 0 as number],
      conv2d(1, 6, { kernel: 5 }), avgPool2d({ kernel: 2 }), flatten(), linear(400, 10),
    )
    expectTypeOf(m._out).toEqualTypeOf<readonly ['N', 10] | undefined>()
  })
  it('batch norm keeps shapes and checks channels', () => {
    expectTypeOf(sequential(['N', 400], linear(400, 120), batchNorm1d(120))._out).toEqualTypeOf<readonly ['N', 120] | undefined>()
    expectTypeOf(sequential(['N', 6, 14, 14], batchNorm2d(6))._out).toEqualTypeOf<readonly ['N', 6, 14, 14] | undefined>()
    expectTypeOf<Parameters<typeof sequential<readonly ['N', 84], [ReturnType<typeof batchNorm1d<120>>]>>[1]>().toEqualTypeOf<'ShapeError: batchNorm1d expects 120 features but got 84'>()
  })
  it('broadcasts', () => {
    expectTypeOf<Broadcast<readonly ['N', 10], readonly [10]>>().toEqualTypeOf<readonly ['N', 10]>()
    expectTypeOf<Broadcast<readonly [4, 1, 3], readonly [5, 1]>>().toEqualTypeOf<readonly [4, 5, 3]>()
    expectTypeOf<Broadcast<readonly [2, 3], readonly [4], 'add'>>().toEqualTypeOf<'ShapeError: add cannot broadcast [2, 3] with [4]'>()
  })
  it('reshape infers -1 and functional ops keep shapes', () => {
    const r = sequential([256, 16, 5, 5], reshape([-1, 400]), softmax())
    expectTypeOf(r._out).toEqualTypeOf<readonly [256, 400] | undefined>()
    const x: Expr<readonly ['N', 10]> = input('x', ['N', 10])
    expectTypeOf(F.crossEntropy(x, intInput('y', ['N'])).shape).toEqualTypeOf<readonly []>()
    expectTypeOf(F.add(x, input('b', [10])).shape).toEqualTypeOf<readonly ['N', 10]>()
    expectTypeOf(sequential(['N', 400], linear(400, 120), sigmoid())._out).toEqualTypeOf<readonly ['N', 120] | undefined>()
    expectTypeOf(sequential(['N', 6, 28, 28], avgPool2d({ kernel: 2 }))._out).toEqualTypeOf<readonly ['N', 6, 14, 14] | undefined>()
  })
})

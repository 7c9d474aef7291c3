/**
 * Typed composition: pipe, flow and direct calls give the shapes sequential gives; blocks as values
 * (chain, residual, parallel, concat, user-defined layers) are checked where applied, at any batch name and
 * size; functions generic over the batch name type-check; the ResNet-18 example's output and parameter count.
 */
import { flow as fpFlow, pipe as fpPipe } from 'fp-ts/lib/function.js'
import { describe, expectTypeOf, it } from 'vitest'
import { globalAvgPool, head, layer1, layer2, layer3, layer4, resnet18, resnet18Small, stem } from '../../examples/resnet18.js'
import {
  type Expr,
  type Model,
  type NamedParams,
  type ParamCount,
  type Sequential,
  F,
  avgPool2d,
  batchNorm1d,
  batchNorm2d,
  chain,
  concat,
  conv2d,
  flatten,
  flow,
  identity,
  input,
  intInput,
  linear,
  logSoftmax,
  maxPool2d,
  model,
  parallel,
  pipe,
  relu,
  reshape,
  residual,
  sequential,
  sigmoid,
  softmax,
} from '../../src/dsl/index.js'
import type { Apply, ChainFn, ConcatFn, IdentityFn, ParallelFn, ResidualFn } from '../../src/types/index.js'
import type { Conv2dFn } from '../../src/types/rules/conv2d.js'

const x = input('x', ['N', 1, 28, 28])
const lenetLayers = [
  conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(), avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(), avgPool2d({ kernel: 2, stride: 2 }),
  flatten(), linear(400, 120), sigmoid(), linear(120, 84), sigmoid(), linear(84, 10),
] as const
const [c1, s1, p1, c2, s2, p2, fl, f1, s3, f2, s4, f3] = lenetLayers

describe('every composition style gives the same shapes', () => {
  it('sequential, fp-ts pipe, typegrad pipe, flow (typegrad and fp-ts, in a model), direct calls', () => {
    type Out = Expr<readonly ['N', 10], 'float32'>
    expectTypeOf(sequential(['N', 1, 28, 28], ...lenetLayers)).toEqualTypeOf<Sequential<readonly ['N', 1, 28, 28], readonly ['N', 10]>>()
    expectTypeOf(fpPipe(x, c1, s1, p1, c2, s2, p2, fl, f1, s3, f2, s4, f3)).toEqualTypeOf<Out>()
    expectTypeOf(pipe(x, c1, s1, p1, c2, s2, p2, fl, f1, s3, f2, s4, f3)).toEqualTypeOf<Out>()
    expectTypeOf(f3(s4(f2(s3(f1(fl(p2(s2(c2(p1(s1(c1(x))))))))))))).toEqualTypeOf<Out>()
    type M = Model<readonly ['N', 1, 28, 28], readonly ['N', 10], NamedParams>
    expectTypeOf(model(['N', 1, 28, 28], flow(c1, s1, p1, c2, s2, p2, fl, f1, s3, f2, s4, f3))).toEqualTypeOf<M>()
    expectTypeOf(model(['N', 1, 28, 28], fpFlow(c1, s1, p1, c2, s2, p2, fl, f1, s3))).toEqualTypeOf<Model<readonly ['N', 1, 28, 28], readonly ['N', 120], NamedParams>>()
    expectTypeOf(model(['N', 1, 28, 28], (h) => pipe(h, c1, s1, p1, c2, s2, p2, fl, f1, s3, f2, s4, f3))).toEqualTypeOf<M>()
  })
  it('a flow of layers with no input is their composition, checked where applied', () => {
    const mlp = flow(flatten(), linear(784, 10), relu())
    expectTypeOf(mlp(x)).toEqualTypeOf<Expr<readonly ['N', 10], 'float32'>>()
    expectTypeOf(mlp(input('y', ['B', 28, 28]))).toEqualTypeOf<Expr<readonly ['B', 10], 'float32'>>()
  })
  it('F ops pass a shape error on, so one mistake is one error', () => {
    const bad = linear(100, 10)
    // @ts-expect-error the argument that does not fit
    const e = bad(flatten()(x))
    expectTypeOf(e).toEqualTypeOf<'ShapeError: linear expects 100 input features but got 784'>()
    expectTypeOf(F.relu(e)).toEqualTypeOf<'ShapeError: linear expects 100 input features but got 784'>()
    expectTypeOf(relu()(e)).toEqualTypeOf<'ShapeError: linear expects 100 input features but got 784'>()
    expectTypeOf(F.add(e, input('b', [10]))).toEqualTypeOf<'ShapeError: linear expects 100 input features but got 784'>()
  })
})

describe('blocks as values', () => {
  const basic = chain(residual(chain(conv2d(64, 64, { kernel: 3, padding: 1 }), batchNorm2d(64), relu(), conv2d(64, 64, { kernel: 3, padding: 1 }), batchNorm2d(64))), relu())
  const down = chain(
    residual(
      chain(conv2d(64, 128, { kernel: 3, stride: 2, padding: 1 }), batchNorm2d(128), relu(), conv2d(128, 128, { kernel: 3, padding: 1 }), batchNorm2d(128)),
      chain(conv2d(64, 128, { kernel: 1, stride: 2 }), batchNorm2d(128)),
    ),
    relu(),
  )
  it('one definition fits every batch name and spatial size', () => {
    expectTypeOf(basic(input('x', ['N', 64, 56, 56]))).toEqualTypeOf<Expr<readonly ['N', 64, 56, 56], 'float32'>>()
    expectTypeOf(basic(input('x', ['B', 64, 7, 300]))).toEqualTypeOf<Expr<readonly ['B', 64, 7, 300], 'float32'>>()
    expectTypeOf(down(input('x', ['N', 64, 56, 56]))).toEqualTypeOf<Expr<readonly ['N', 128, 28, 28], 'float32'>>()
    expectTypeOf(down(input('x', ['N', 64, 57, 9]))).toEqualTypeOf<Expr<readonly ['N', 128, 29, 5], 'float32'>>()
    expectTypeOf(sequential(['N', 64, 32, 32], basic, basic, down)._out).toEqualTypeOf<readonly ['N', 128, 16, 16] | undefined>()
  })
  it('functions generic over the batch name type-check and keep the name', () => {
    const stage = <N extends string>(h: Expr<readonly [N, 64, 56, 56]>) => pipe(h, basic, basic, down)
    expectTypeOf(stage<'Q'>).returns.toEqualTypeOf<Expr<readonly ['Q', 128, 28, 28], 'float32'>>()
    // the block: relu(x + f(x)) over the same conv and bn, written as a function over any batch name
    const conv = conv2d(64, 64, { kernel: 3, padding: 1 }), bn = batchNorm2d(64)
    const block = <N extends string>(h: Expr<readonly [N, 64, 56, 56]>) => F.relu(F.add(h, pipe(h, conv, bn, relu(), conv, bn)))
    expectTypeOf(block(input('x', ['B', 64, 56, 56]))).toEqualTypeOf<Expr<readonly ['B', 64, 56, 56], 'float32'>>()
    const head = <N extends string>(h: Expr<readonly [N, 128, 28, 28]>) => pipe(h, maxPool2d({ kernel: 28 }), flatten(), linear(128, 10))
    expectTypeOf(head(input('x', ['B', 128, 28, 28]))).toEqualTypeOf<Expr<readonly ['B', 10], 'float32'>>()
  })
  it('every rule resolves for a batch name that is a type parameter', () => {
    const g = <N extends string>(h: Expr<readonly [N, 3, 32, 32]>, y: Expr<readonly [N], 'int32'>) => {
      const z = pipe(
        h,
        conv2d(3, 8, { kernel: 3, padding: 'same' }), maxPool2d({ kernel: 2 }), avgPool2d({ kernel: 2, padding: 1 }),
        concat(1, identity(), parallel(identity(), identity())), residual(chain(relu(), conv2d(16, 16, { kernel: 1 }))),
        flatten(), linear(1296, 10), batchNorm1d(10), softmax(), logSoftmax(-1), softmax(0),
      )
      return [z, pipe(h, reshape([-1, 3072])), F.crossEntropy(z, y), F.mean(F.mul(z, F.sub(z, F.exp(z))))] as const
    }
    expectTypeOf(g(input('x', ['B', 3, 32, 32]), intInput('y', ['B']))).toEqualTypeOf<
      readonly [Expr<readonly ['B', 10], 'float32'>, Expr<readonly ['B', 3072], 'float32'>, Expr<readonly [], 'float32'>, Expr<readonly [], 'float32'>]
    >()
    const mlp = <N extends string>(n: N) => sequential([n, 784], linear(784, 10), relu())
    expectTypeOf(mlp('Q')).toEqualTypeOf<Sequential<readonly ['Q', 784], readonly ['Q', 10]>>()
  })
  it('parallel, concat (Inception, DenseNet) and identity', () => {
    const x56 = input('x', ['N', 64, 56, 56])
    const inception = concat(1, conv2d(64, 16, { kernel: 1 }), conv2d(64, 32, { kernel: 3, padding: 1 }), maxPool2d({ kernel: 3, stride: 1, padding: 1 }))
    expectTypeOf(inception(x56)).toEqualTypeOf<Expr<readonly ['N', 112, 56, 56], 'float32'>>()
    const denseLayer = concat(1, identity(), chain(batchNorm2d(64), relu(), conv2d(64, 32, { kernel: 3, padding: 1 })))
    expectTypeOf(denseLayer(x56)).toEqualTypeOf<Expr<readonly ['N', 96, 56, 56], 'float32'>>()
    expectTypeOf(concat(-1, identity(), linear(3, 2))(input('v', ['N', 3]))).toEqualTypeOf<Expr<readonly ['N', 5], 'float32'>>()
    expectTypeOf(parallel(identity(), conv2d(64, 64, { kernel: 1 }))(x56)).toEqualTypeOf<Expr<readonly ['N', 64, 56, 56], 'float32'>>()
  })
  it('the rules as types', () => {
    type C = Conv2dFn<64, 64, [3, 3], [1, 1], [1, 1], [1, 1]>
    expectTypeOf<Apply<ResidualFn<ChainFn<[C, IdentityFn, C]>>, readonly ['N', 64, 9, 9]>>().toEqualTypeOf<readonly ['N', 64, 9, 9]>()
    expectTypeOf<Apply<ResidualFn<Conv2dFn<64, 64, [3, 3], [1, 1], [0, 0], [1, 1]>>, readonly ['N', 64, 9, 9]>>().toEqualTypeOf<'ShapeError: residual block changes the shape [N, 64, 9, 9] to [N, 64, 7, 7]; give residual a projection'>()
    expectTypeOf<Apply<ParallelFn<[IdentityFn, Conv2dFn<64, 32, [1, 1], [1, 1], [0, 0], [1, 1]>]>, readonly ['N', 64, 9, 9]>>().toEqualTypeOf<'ShapeError: parallel branches give different shapes [N, 64, 9, 9] and [N, 32, 9, 9]'>()
    expectTypeOf<Apply<ConcatFn<0, [IdentityFn, IdentityFn]>, readonly [2, 3]>>().toEqualTypeOf<readonly [4, 3]>()
    expectTypeOf<Apply<ConcatFn<0, [IdentityFn, IdentityFn]>, readonly ['N', 3]>>().toEqualTypeOf<'ShapeError: concat cannot join a symbolic size along axis 0 of [N, 3]'>()
    expectTypeOf<Apply<ConcatFn<1, [IdentityFn]>, readonly [2, number]>>().toEqualTypeOf<readonly [2, number]>()
  })
})

describe('ResNet-18 (examples/resnet18.ts)', () => {
  it('outputs [N, 1000] at 224x224 and [B, 1000] at 64x64', () => {
    expectTypeOf(resnet18).toEqualTypeOf<Model<readonly ['N', 3, 224, 224], readonly ['N', 1000], NamedParams>>()
    expectTypeOf(resnet18Small).toEqualTypeOf<Model<readonly ['B', 3, 64, 64], readonly ['B', 1000], NamedParams>>()
    expectTypeOf(globalAvgPool()(input('x', ['N', 512, 7, 7]))).toEqualTypeOf<Expr<readonly ['N', 512], 'float32'>>()
  })
  it("has torchvision's 11,689,512 parameters, counted in the types", () => {
    expectTypeOf<ParamCount<[typeof stem, typeof layer1, typeof layer2, typeof layer3, typeof layer4, typeof head]>>().toEqualTypeOf<11689512>()
    expectTypeOf<ParamCount<[ReturnType<typeof linear<784, 256, {}>>, ReturnType<typeof linear<256, 10, {}>>]>>().toEqualTypeOf<203530>()
  })
})

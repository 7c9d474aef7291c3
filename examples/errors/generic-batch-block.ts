// expect line 12: ShapeError: conv2d expects 64 input channels but got 32
// A function generic over the batch name type-checks its layers: a wrong channel count is still reported.
import { pipe } from 'fp-ts/lib/function.js'
import { type Expr, batchNorm2d, chain, conv2d, input, relu, residual } from '../../src/dsl/index.js'

const basic = chain(residual(chain(conv2d(64, 64, { kernel: 3, padding: 1 }), batchNorm2d(64), relu())), relu())

export const stage = <N extends string>(x: Expr<readonly [N, 32, 56, 56]>) =>
  pipe(
    x,
    relu(),
    basic,
  )

export const y = stage(input('x', ['B', 32, 56, 56]))

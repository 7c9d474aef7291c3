// expect line 17: ShapeError: batchNorm2d expects 64 channels but got 32
// One block definition, checked at every place it is used: it fits the first input (any batch name, any size)
// and not the second, and the error names what does not fit inside it.
import { pipe } from 'fp-ts/lib/function.js'
import { batchNorm2d, chain, conv2d, input, maxPool2d, relu, residual } from '../../src/dsl/index.js'

const block = chain(
  residual(chain(batchNorm2d(64), relu(), conv2d(64, 64, { kernel: 3, padding: 1 }))),
  relu(),
)

export const ok = pipe(input('x', ['B', 64, 17, 30]), block, block)

export const bad = pipe(
  input('x', ['N', 32, 56, 56]),
  maxPool2d({ kernel: 2 }),
  block,
)

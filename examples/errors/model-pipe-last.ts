// expect line 13: ShapeError: linear expects 64 input features but got 128
// A function model whose pipe ends with a layer that does not fit: one error, on that layer.
import { pipe } from 'fp-ts/lib/function.js'
import { batchNorm2d, conv2d, flatten, maxPool2d, model, relu } from '../../src/dsl/index.js'
import { linear } from '../../src/dsl/index.js'

export const net = model(['N', 3, 32, 32], (x) =>
  pipe(
    x,
    conv2d(3, 128, { kernel: 3, padding: 1 }), batchNorm2d(128), relu(),
    maxPool2d({ kernel: 32 }),
    flatten(),
    linear(64, 10),
  ),
)

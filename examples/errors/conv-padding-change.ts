// expect line 12: ShapeError: linear expects 400 input features but got 256
// Dropping the first conv's padding shrinks 28 -> 24 -> 12 -> 8 -> 4, so flatten yields 16*4*4 = 256.
import { avgPool2d, conv2d, flatten, linear, mul, sequential, sigmoid } from '../../src/dsl/index.js'

export const model = sequential(
  ['N', 1, 28, 28],
  conv2d(1, 6, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(mul(16, 5, 5), 120), sigmoid(),
  linear(120, 84), sigmoid(),
  linear(84, 10),
)

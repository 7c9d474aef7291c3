// expect line 12: ShapeError: linear expects 256 input features but got 400
// The flatten after the conv stack yields 16*5*5 = 400 features; linear(256, 120) does not fit.
import { avgPool2d, conv2d, flatten, linear, sequential, sigmoid } from '../../src/dsl/index.js'

export const model = sequential(
  ['N', 1, 28, 28],
  conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(256, 120), sigmoid(),
  linear(120, 84), sigmoid(),
  linear(84, 10),
)

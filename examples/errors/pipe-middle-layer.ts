// expect line 13: ShapeError: linear expects 256 input features but got 400
// fp-ts pipe, a wrong layer in the middle: reported on that layer (not on the next one), with the text.
import { pipe } from 'fp-ts/lib/function.js'
import { avgPool2d, conv2d, flatten, input, linear, sigmoid } from '../../src/dsl/index.js'

export const logits = pipe(
  input('x', ['N', 1, 28, 28]),
  conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(256, 120), sigmoid(),
  linear(120, 84), sigmoid(),
  linear(84, 10),
)

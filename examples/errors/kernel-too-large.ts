// expect line 9: ShapeError: conv2d kernel 5 is larger than the padded input 4
// After two 2x2 poolings a 16x16 image is 4x4: a 5x5 kernel without padding does not fit.
import { avgPool2d, conv2d, sequential } from '../../src/dsl/index.js'

export const model = sequential(
  ['N', 1, 16, 16],
  avgPool2d({ kernel: 2 }),
  avgPool2d({ kernel: 2 }),
  conv2d(1, 6, { kernel: 5 }),
)

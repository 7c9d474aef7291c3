// expect line 13: ShapeError: concat cannot join [N, 64, 28, 28] and [N, 32, 26, 26] along axis 1
// Inception-style branches must agree on every axis but the one they are joined along (an unpadded 3x3 shrinks the map).
import { concat, conv2d, maxPool2d, sequential } from '../../src/dsl/index.js'

const inception = concat(
  1,
  conv2d(192, 64, { kernel: 1 }),
  conv2d(192, 32, { kernel: 3 }),
  maxPool2d({ kernel: 3, stride: 1, padding: 1 }),
)

export const model = sequential(['N', 192, 28, 28],
  inception,
)

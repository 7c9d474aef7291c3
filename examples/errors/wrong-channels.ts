// expect line 5: ShapeError: conv2d expects 3 input channels but got 1
// Fashion-MNIST images have one channel.
import { conv2d, sequential } from '../../src/dsl/index.js'

export const model = sequential(['N', 1, 28, 28], conv2d(3, 6, { kernel: 5 }))

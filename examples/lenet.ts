/**
 * LeNet-5 as in Dive into Deep Learning ch. 6.6, written nearly line for line like the PyTorch seed.
 * Hover `lenet` or `y`: the output shape is ['N', 10].
 */
import { avgPool2d, conv2d, flatten, input, linear, mul, sequential, sigmoid } from '../src/dsl/index.js'

/** The seed's LeNet over Fashion-MNIST batches [N, 1, 28, 28]. */
export const lenet = sequential(
  ['N', 1, 28, 28],
  conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(mul(16, 5, 5), 120), sigmoid(), // mul(...) has the literal type 400; 16*5*5 is just `number`
  linear(120, 84), sigmoid(),
  linear(84, 10),
)

/** The model's expression tree on a symbolic batch. */
export const y = lenet(input('x', ['N', 1, 28, 28]))

/**
 * The LeNet models the training CLI offers, as `sequential` values over Fashion-MNIST batches [N, 1, 28, 28]
 * giving logits [N, 10]. Parameter leaves are named '<layer index>.<param>' ('0.weight', ...).
 */
import { avgPool2d, maxPool2d } from './layers/pool.js'
import { batchNorm1d, batchNorm2d } from './layers/batchNorm.js'
import { conv2d } from './layers/conv2d.js'
import { linear } from './layers/linear.js'
import { relu, sigmoid } from './layers/elementwise.js'
import { flatten } from './layers/structure.js'
import { mul } from './layers/config.js'
import { sequential } from './sequential.js'

/**
 * The seed's LeNet-5 (d2l ch. 6.6): sigmoid activations, average pooling, Xavier-uniform weights.
 * 61,706 parameters.
 *
 * @example
 * const logits = lenet(input('x', ['N', 1, 28, 28])) // Expr<readonly ['N', 10]>
 */
export const lenet = sequential(
  ['N', 1, 28, 28],
  conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5 }), sigmoid(),
  avgPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(mul(16, 5, 5), 120), sigmoid(),
  linear(120, 84), sigmoid(),
  linear(84, 10),
)

/**
 * LeNet with today's defaults, still LeNet-sized (same channels and widths): ReLU, max pooling,
 * batch normalization after each convolution and each hidden dense layer, as d2l's BN-LeNet (the bias
 * before a BatchNorm is dropped, BatchNorm's beta replaces it), Kaiming-uniform weights. BatchNorm behaves as
 * PyTorch's: training steps normalize with batch statistics and update running mean/variance buffers
 * ('<layer>.runningMean', '<layer>.runningVar'; momentum 0.1, unbiased variance), and evaluation normalizes
 * with those buffers, so test predictions do not depend on the batch. The buffers are checkpointed with the
 * params.
 *
 * @example
 * const logits = lenetModern(input('x', ['N', 1, 28, 28])) // Expr<readonly ['N', 10]>
 */
export const lenetModern = sequential(
  ['N', 1, 28, 28],
  conv2d(1, 6, { kernel: 5, padding: 2, bias: false, init: 'kaimingUniform' }), batchNorm2d(6), relu(),
  maxPool2d({ kernel: 2, stride: 2 }),
  conv2d(6, 16, { kernel: 5, bias: false, init: 'kaimingUniform' }), batchNorm2d(16), relu(),
  maxPool2d({ kernel: 2, stride: 2 }),
  flatten(),
  linear(mul(16, 5, 5), 120, { bias: false, init: 'kaimingUniform' }), batchNorm1d(120), relu(),
  linear(120, 84, { bias: false, init: 'kaimingUniform' }), batchNorm1d(84), relu(),
  linear(84, 10),
)

/** The models the CLI knows, by their `--model` name. */
export const models = { lenet, 'lenet-modern': lenetModern } as const

/** A `--model` name. */
export type ModelName = keyof typeof models

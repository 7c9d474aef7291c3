/**
 * The LeNet models `npm run lenet` offers, as `sequential` values over Fashion-MNIST batches [N, 1, 28, 28]
 * giving logits [N, 10], with their recipes. Parameter leaves are named '<layer index>.<param>' ('0.weight', ...).
 */
import { avgPool2d, maxPool2d } from '../src/dsl/layers/pool.js'
import { batchNorm1d, batchNorm2d } from '../src/dsl/layers/batchNorm.js'
import { conv2d } from '../src/dsl/layers/conv2d.js'
import { linear } from '../src/dsl/layers/linear.js'
import { relu, sigmoid } from '../src/dsl/layers/elementwise.js'
import { flatten } from '../src/dsl/layers/structure.js'
import { mul } from '../src/dsl/layers/config.js'
import { sequential } from '../src/dsl/sequential.js'
import { crossEntropy } from '../src/dsl/losses.js'
import { fashionMnist } from '../src/runtime/data/sources.js'
import type { Recipe } from '../src/runtime/train/config.js'
import type { TrainSetup } from '../src/runtime/train/model.js'

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

/** The names `--model` accepts. */
export const MODEL_NAMES = Object.keys(models) as ModelName[]

/**
 * Each model's default recipe. lenet: the seed's (SGD, lr 0.9, d2l ch. 6.6).
 * lenet-modern: Adam; BatchNorm lets it take a larger step than Adam's usual 1e-3, decayed by 0.8 per
 * epoch so the last epochs settle (its test accuracy swings by ~0.02 between epochs at a constant rate).
 */
export const RECIPES: Readonly<Record<ModelName, Recipe>> = {
  lenet: { optimizer: 'sgd', lr: 0.9, lrDecay: 1 },
  'lenet-modern': { optimizer: 'adam', lr: 0.003, lrDecay: 0.8 },
}

/**
 * What a run of `name` trains: the model, cross-entropy, and Fashion-MNIST (bundled, or the IDX files in `dataDir`).
 * @example train(lenetSetup('lenet'), { epochs: 1 }, RECIPES.lenet)
 */
export const lenetSetup = (name: ModelName, dataDir?: string): TrainSetup => ({
  model: models[name],
  loss: crossEntropy,
  data: fashionMnist(dataDir === undefined ? {} : { dataDir }),
})

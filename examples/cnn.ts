/**
 * A small convolutional network for Fashion-MNIST written as a plain function composition: `model` wraps a
 * body that pipes the input through layer values with fp-ts `pipe`, the same way one would compose any
 * other functions. Each stage's output shape is in the type (hover `cnn`: Model<['N', 1, 28, 28], ['N', 10]>),
 * so a wrong channel count or a `linear` that does not match the flattened size is a compile-time error.
 *
 *   npx tsx examples/cnn.ts                           # trains and prints `test acc 0.8...`
 *   npx typegrad train --model examples/cnn.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  type runtime,
  adam,
  batchNorm2d,
  conv2d,
  fashionMnist,
  fit,
  flatten,
  linear,
  maxPool2d,
  model,
  mul,
  relu,
  runOrThrow,
} from '../src/index.js'
import { type ExampleOptions, recipe, runWhenMain, trainOnFashion } from './fashion-run.js'

// No conv bias before a batch norm: its beta is the same shift, learned once.
const cnn = model(['N', 1, 28, 28], (x) =>
  pipe(
    x,
    conv2d(1, 16, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(16),
    relu(),
    maxPool2d({ kernel: 2 }), // -> [N, 16, 14, 14]
    conv2d(16, 32, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(32),
    relu(),
    maxPool2d({ kernel: 2 }), // -> [N, 32, 7, 7]
    flatten(),
    linear(mul(32, 7, 7), 10),
  ),
)

export default cnn

export { recipe }

/** Trains the network on Fashion-MNIST; returns the test accuracy `fit` measured after the last epoch. */
export const main = (opts: ExampleOptions = {}) => trainOnFashion(cnn, opts)

await runWhenMain(import.meta.url, main)

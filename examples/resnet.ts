/**
 * A small residual network for Fashion-MNIST, written as function composition. A residual block is an
 * ordinary function: it makes its layers once and returns `x => relu(x + f(x))`, so "residual" is just
 * `F.add` of the input and a `pipe` of layers, with no Module class or `forward` method. The model calls
 * the block twice (two blocks, two sets of weights), then downsamples, pools globally and classifies.
 *
 *   stem   conv 3x3 1->16, BN, ReLU, max pool 2   [N, 1, 28, 28] -> [N, 16, 14, 14]
 *   block  x2                                     [N, 16, 14, 14]
 *   down   conv 3x3 stride 2 16->32, BN, ReLU     -> [N, 32, 7, 7]
 *   head   avg pool 7x7, flatten, linear 32->10   -> [N, 10]
 *
 *   npx tsx examples/resnet.ts                        # trains and prints `test acc 0.8...`
 *   npx typegrad train --model examples/resnet.ts
 */
import { pipe } from 'fp-ts/lib/function.js'
import {
  type Expr,
  type runtime,
  F,
  adam,
  avgPool2d,
  batchNorm2d,
  conv2d,
  fashionMnist,
  fit,
  flatten,
  linear,
  maxPool2d,
  model,
  relu,
  runOrThrow,
} from '../src/index.js'
import { type ExampleOptions, recipe, runWhenMain, trainOnFashion } from './fashion-run.js'

/** The feature map the residual blocks work on. */
type Stage = readonly ['N', 16, 14, 14]

/**
 * A basic ResNet block (He et al., 2015) on `Stage`: relu(x + bn(conv(relu(bn(conv(x)))))). Its shape is
 * written out because the shape rules compute sizes from literals: a block generic over the channel count
 * or map size would leave conv2d's output shape unresolved, and `F.add` could not check it against `x`.
 */
const block = () => {
  // No conv bias before a batch norm: its beta is the same shift, learned once.
  const c1 = conv2d(16, 16, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' })
  const b1 = batchNorm2d(16)
  const c2 = conv2d(16, 16, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' })
  const b2 = batchNorm2d(16)
  return (x: Expr<Stage>) => F.relu(F.add(x, pipe(x, c1, b1, relu(), c2, b2)))
}

const resnet = model(['N', 1, 28, 28], (x) =>
  pipe(
    x,
    conv2d(1, 16, { kernel: 3, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(16),
    relu(),
    maxPool2d({ kernel: 2 }),
    block(),
    block(),
    conv2d(16, 32, { kernel: 3, stride: 2, padding: 1, bias: false, init: 'kaimingUniform' }),
    batchNorm2d(32),
    relu(),
    // Global average pooling: one kernel over the whole 7x7 map leaves one value per channel.
    avgPool2d({ kernel: 7 }),
    flatten(),
    linear(32, 10),
  ),
)

export default resnet

export { recipe }

/** Trains the network on Fashion-MNIST; returns the test accuracy `fit` measured after the last epoch. */
export const main = (opts: ExampleOptions = {}) => trainOnFashion(resnet, opts)

await runWhenMain(import.meta.url, main)

/**
 * BatchNorm2d as PyTorch's nn.BatchNorm2d: training steps normalize with the batch's statistics and update
 * running averages (momentum 0.1, unbiased variance) kept as buffers; evaluation normalizes with those.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { BatchNorm1dFn, BatchNorm2dFn } from '../../types/rules/misc.js'
import { type Layer, defineLayer, layerError } from '../layer.js'
import { mk } from '../node.js'
import { showShape } from '../shape.js'
import type { Lit } from './config.js'

/** The layer type of batchNorm2d(C). */
export type BatchNorm2d<C extends number> = Layer<
  BatchNorm2dFn<C>,
  { readonly gamma: readonly [C]; readonly beta: readonly [C]; readonly runningMean: readonly [C]; readonly runningVar: readonly [C] }
>

/**
 * Batch normalization over N, H, W per channel: [N, C, H, W] -> [N, C, H, W]. Parameters gamma [C] (ones),
 * beta [C] (zeros); buffers runningMean [C] (zeros) and runningVar [C] (ones), leaves named
 * '<layer>.runningMean' / '<layer>.runningVar' with `trainable: false`.
 *
 * The node is `batchNorm(x, gamma, beta, runningMean, runningVar)`: in a training step (compileTraining)
 * it uses the batch's mean and biased variance, and the step also returns the new buffers
 * `(1 - momentum) * running + momentum * batch` (unbiased batch variance, as PyTorch); evaluation
 * rewrites it to `batchNormInfer` over the buffers, so predictions do not depend on the batch.
 * The reference interpreter and a plain `lower` of the forward graph use batch statistics (training mode).
 *
 * @example
 * sequential(input, conv2d(1, 6, { kernel: 5 }), batchNorm2d(6), relu())
 */
export const batchNorm2d = <const C extends number>(channels: Lit<C, 'batchNorm2d num_features'>, eps = 1e-5, momentum = 0.1): BatchNorm2d<C> =>
  batchNorm(channels as number, eps, momentum, 4) as unknown as BatchNorm2d<C>

/** The layer type of batchNorm1d(C). */
export type BatchNorm1d<C extends number> = Layer<
  BatchNorm1dFn<C>,
  { readonly gamma: readonly [C]; readonly beta: readonly [C]; readonly runningMean: readonly [C]; readonly runningVar: readonly [C] }
>

/**
 * Batch normalization of features over the batch: [N, C] -> [N, C], as PyTorch's nn.BatchNorm1d, with the
 * same parameters, buffers and train/eval behaviour as {@link batchNorm2d}.
 *
 * @example
 * sequential(input, linear(400, 120), batchNorm1d(120), relu())
 */
export const batchNorm1d = <const C extends number>(features: Lit<C, 'batchNorm1d num_features'>, eps = 1e-5, momentum = 0.1): BatchNorm1d<C> =>
  batchNorm(features as number, eps, momentum, 2) as unknown as BatchNorm1d<C>

const batchNorm = (c: number, eps: number, momentum: number, rank: 2 | 4) => {
  const kind = `BatchNorm${rank === 4 ? 2 : 1}d`
  const op = kind.charAt(0).toLowerCase() + kind.slice(1)
  const what = rank === 4 ? 'a 4-D input [N, C, H, W]' : 'a 2-D input [N, C]'
  const unit = rank === 4 ? 'channels' : 'features'
  return defineLayer({
    kind,
    describe: `${kind}(${c}, eps=${eps}, momentum=${momentum})`,
    params: {
      gamma: { shape: [c] as const, init: 'ones', fanIn: c, fanOut: c },
      beta: { shape: [c] as const, init: 'zeros', fanIn: c, fanOut: c },
      runningMean: { shape: [c] as const, init: 'zeros', fanIn: c, fanOut: c, trainable: false },
      runningVar: { shape: [c] as const, init: 'ones', fanIn: c, fanOut: c, trainable: false },
    },
    outShape: (x) =>
      x.length !== rank
        ? layerError(op, `${op} expects ${what} but got ${showShape(x)}`, x)
        : typeof x[1] === 'number' && x[1] !== c
          ? layerError(op, `${op} expects ${c} ${unit} but got ${x[1]}`, x)
          : E.right(x),
    build: (x, p) => mk('batchNorm', [x, p.gamma, p.beta, p.runningMean, p.runningVar], { axis: 1, eps, momentum }),
  })
}

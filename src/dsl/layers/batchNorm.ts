/**
 * BatchNorm2d as PyTorch's nn.BatchNorm2d: training steps normalize with the batch's statistics and update
 * running averages (momentum 0.1, unbiased variance) kept as buffers; evaluation normalizes with those.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { BatchNorm2dFn } from '../../types/rules/misc.js'
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
export const batchNorm2d = <const C extends number>(channels: Lit<C, 'batchNorm2d num_features'>, eps = 1e-5, momentum = 0.1): BatchNorm2d<C> => {
  const c = channels as number
  return defineLayer({
    kind: 'BatchNorm2d',
    describe: `BatchNorm2d(${c}, eps=${eps}, momentum=${momentum})`,
    params: {
      gamma: { shape: [c] as const, init: 'ones', fanIn: c, fanOut: c },
      beta: { shape: [c] as const, init: 'zeros', fanIn: c, fanOut: c },
      runningMean: { shape: [c] as const, init: 'zeros', fanIn: c, fanOut: c, trainable: false },
      runningVar: { shape: [c] as const, init: 'ones', fanIn: c, fanOut: c, trainable: false },
    },
    outShape: (x) =>
      x.length !== 4
        ? layerError('batchNorm2d', `batchNorm2d expects a 4-D input [N, C, H, W] but got ${showShape(x)}`, x)
        : typeof x[1] === 'number' && x[1] !== c
          ? layerError('batchNorm2d', `batchNorm2d expects ${c} channels but got ${x[1]}`, x)
          : E.right(x),
    build: (x, p) => mk('batchNorm', [x, p.gamma, p.beta, p.runningMean, p.runningVar], { axis: 1, eps, momentum }),
  }) as unknown as BatchNorm2d<C>
}

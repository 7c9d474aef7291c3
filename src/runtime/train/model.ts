/**
 * From a validated config to what the compiler needs: the model's graph on inputs 'x' and 'y', the optimizer,
 * and the seeded initial params flattened to their leaf names ('0.weight', ...).
 */
import { input, intInput } from '../../dsl/expr.js'
import { models } from '../../dsl/models.js'
import type { Node } from '../../dsl/node.js'
import { type Optimizer, adam, exponentialDecay, momentum, sgd } from '../../dsl/optim/index.js'
import { key } from '../../dsl/random.js'
import type { Tensor } from '../../dsl/tensor.js'
import type { TrainConfig } from './config.js'
import type { TrainProgramSpec } from './contract.js'

/** The optimizer a config names, with its learning rate (other hyperparameters at their defaults). */
export const optimizerFor = (c: Pick<TrainConfig, 'optimizer' | 'lr'> & { readonly lrDecay?: number }, stepsPerEpoch = 1): Optimizer => {
  const lr = c.lrDecay === undefined || c.lrDecay === 1 ? c.lr : exponentialDecay(c.lr, { rate: c.lrDecay, steps: stepsPerEpoch })
  return c.optimizer === 'sgd' ? sgd(lr) : c.optimizer === 'momentum' ? momentum(lr) : adam(lr)
}

/**
 * A sequential's typed param tree (one record per layer) as a flat map keyed by leaf name.
 * @example flattenParams([{ weight: w, bias: b }, {}]) // { '0.weight': w, '0.bias': b }
 */
export const flattenParams = (tree: readonly Readonly<Record<string, Tensor>>[]): Record<string, Tensor> =>
  Object.fromEntries(tree.flatMap((layer, i) => Object.entries(layer).map(([k, t]) => [`${i}.${k}`, t] as const)))

/** Just what the pipeline uses of a model, shared by every entry of `models`. */
interface AnyModel {
  (x: ReturnType<typeof input>): { readonly node: Node }
  init(k: ReturnType<typeof key>): readonly Readonly<Record<string, Tensor>>[]
}

/**
 * The training spec of a config: logits of the model on input 'x' [N, 1, 28, 28], labels 'y' [N],
 * params drawn from `key(seed)`.
 * @example trainSpec({ model: 'lenet', optimizer: 'sgd', lr: 0.9, seed: 0 }).params['0.weight'].shape // [6, 1, 5, 5]
 */
export const trainSpec = (c: Pick<TrainConfig, 'model' | 'optimizer' | 'lr' | 'seed'> & { readonly lrDecay?: number }, stepsPerEpoch = 1): TrainProgramSpec => {
  const model = models[c.model] as unknown as AnyModel
  return {
    logits: model(input('x', ['N', 1, 28, 28])).node,
    labels: intInput('y', ['N']).node,
    optimizer: optimizerFor(c, stepsPerEpoch),
    params: flattenParams(model.init(key(c.seed))),
  }
}

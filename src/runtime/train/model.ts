/**
 * What a training run trains: a model value, its loss and metrics, its data; and from these and a
 * validated config, what the compiler needs: the model's graph on inputs 'x' and 'y', the optimizer, and
 * the seeded initial params flattened to their leaf names ('0.weight', 'conv2d0.bias', ...).
 */
import type { Loss, Metric } from '../../dsl/losses.js'
import { type AnyModel, flattenParams, initLeaves, inputDtypeOf, traceModel } from '../../dsl/model.js'
import { mk } from '../../dsl/node.js'
import { type Optimizer, adam, exponentialDecay, momentum, sgd } from '../../dsl/optim/index.js'
import { key } from '../../dsl/random.js'
import { type RShape, ShapeError, showShape } from '../../dsl/shape.js'
import type { Tensor } from '../../dsl/tensor.js'
import type { DataSource } from '../data/sources.js'
import type { TrainConfig } from './config.js'
import type { TrainProgramSpec } from './contract.js'
import type { EpochRecord } from './history.js'

/** A training run's model, loss, metrics and data: the values, next to the config's settings. */
export interface TrainSetup {
  readonly model: AnyModel
  readonly loss: Loss
  readonly metrics?: readonly Metric[]
  readonly data: DataSource
  /** An optimizer value; when absent, the config's `optimizer`, `lr` and `lrDecay` name one. */
  readonly optimizer?: Optimizer
  /** Initial values by leaf name (e.g. from `load`); default: `init(key(seed))`. Resuming overrides them. */
  readonly params?: Readonly<Record<string, Tensor>>
  /** Called after each epoch with its record (e.g. to report progress). */
  readonly onEpoch?: (record: EpochRecord) => void
}

/** The optimizer a config names, with its learning rate (other hyperparameters at their defaults). */
export const optimizerFor = (c: Pick<TrainConfig, 'optimizer' | 'lr'> & { readonly lrDecay?: number }, stepsPerEpoch = 1): Optimizer => {
  const lr = c.lrDecay === undefined || c.lrDecay === 1 ? c.lr : exponentialDecay(c.lr, { rate: c.lrDecay, steps: stepsPerEpoch })
  return c.optimizer === 'sgd' ? sgd(lr) : c.optimizer === 'momentum' ? momentum(lr) : adam(lr)
}

export { flattenParams }

/**
 * The training spec of a setup: the model's output on input 'x', the loss's targets 'y', params drawn from
 * `key(seed)` (or the setup's own).
 * @example trainSpec({ model: lenet, loss: crossEntropy, data }, config).params['0.weight'].shape // [6, 1, 5, 5]
 */
export const trainSpec = (setup: TrainSetup, c: Pick<TrainConfig, 'optimizer' | 'lr' | 'seed' | 'lrDecay'>, stepsPerEpoch = 1): TrainProgramSpec => {
  const logits = traceModel(setup.model)
  const t = setup.loss.target
  return {
    logits,
    labels: mk('input', [], { name: 'y', dtype: t.dtype }, t.shape(logits.shape), t.dtype),
    optimizer: setup.optimizer ?? optimizerFor(c, stepsPerEpoch),
    params: setup.params ?? initLeaves(setup.model, key(c.seed)),
    loss: setup.loss,
    metrics: setup.metrics ?? [],
    key: key(c.seed),
  }
}

const agrees = (want: RShape, got: readonly number[]): boolean =>
  want.length === got.length && want.every((d, i) => typeof d !== 'number' || d === got[i])

/**
 * Whether examples of shape `example` (targets `target`) fit the model's input (and the loss's targets),
 * with the `ShapeError` text the types report.
 * @example checkData(lenet, crossEntropy, [784], []) // ShapeError: the model expects examples [1, 28, 28] but the data has [784]
 */
export const checkData = (
  m: AnyModel,
  loss: Loss,
  example: readonly number[],
  target?: { readonly shape: readonly number[]; readonly dtype: string },
  input: 'float32' | 'int32' = inputDtypeOf(m),
): ShapeError | undefined => {
  const want = (m.inputShape as RShape).slice(1)
  if (!agrees(want, example)) return new ShapeError('data', `the model expects examples ${showShape(want)} but the data has ${showShape(example)}`, [want, example])
  if (input !== inputDtypeOf(m)) return new ShapeError('data', `the model expects ${inputDtypeOf(m)} inputs but the data has ${input} inputs`, [want, example])
  if (target === undefined) return undefined
  const out = traceModel(m)
  const wantT = loss.target.shape(out.shape).slice(1)
  if (target.dtype !== loss.target.dtype)
    return new ShapeError('data', `${loss.name} expects ${loss.target.dtype} targets but the data has ${target.dtype} targets`, [wantT, target.shape])
  if (!agrees(wantT, target.shape))
    return new ShapeError('data', `${loss.name} expects targets ${showShape(wantT)} per example but the data has ${showShape(target.shape)}`, [wantT, target.shape])
  return undefined
}


/**
 * `fit`: trains any model (a `sequential`, or a function composition wrapped with `model`) on a data source,
 * Keras's vocabulary over typegrad's compiled training step. It returns an fp-ts `TaskEither`, like the
 * rest of the runtime; `runOrThrow` turns one into a Promise.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { compileTraining } from '../../compile/train.js'
import { type Loss, type Metric, crossEntropy } from '../../dsl/losses.js'
import { type IntModel, type Model, type ParamTree, flattenParams, paramTree } from '../../dsl/model.js'
import type { Optimizer } from '../../dsl/optim/index.js'
import type { AnyShapeErr, Shape } from '../../types/shape.js'
import type { DataFit } from '../../types/rules/data.js'
import type { BackendChoice } from '../backends/types.js'
import type { DataSource } from '../data/sources.js'
import { type OptimizerChoice } from '../train/config.js'
import type { TrainError } from '../train/errors.js'
import type { EpochRecord } from '../train/history.js'
import { type TrainEnv, type TrainReport, defaultEnv, train } from '../train/pipeline.js'
import { type Progress, noProgress } from '../train/progress.js'

/** The data option: the source, or the error text when its examples do not fit the model's input. */
export type CheckedData<In extends Shape, S extends Shape> = DataFit<In, S> extends infer R extends AnyShapeErr ? R : DataSource<S>

/** Options of {@link fit}. Every field but `data` has a default. */
export interface FitOptions<P> {
  /** Default: {@link crossEntropy} (logits [N, C] against int32 labels). */
  readonly loss?: Loss
  /** Further metrics, averaged over examples and reported per epoch. */
  readonly metrics?: readonly Metric[]
  /** An optimizer value (`sgd(0.9)`, `adam(1e-3)`), or a name with `lr` and `lrDecay`; default adam at 1e-3. */
  readonly optimizer?: Optimizer | OptimizerChoice
  readonly lr?: number
  /** Per-epoch learning-rate factor, applied smoothly per step (with a named optimizer). */
  readonly lrDecay?: number
  /** Default 10. */
  readonly epochs?: number
  /** Default 256. */
  readonly batchSize?: number
  /** Seeds init (`key(seed)`), the batch order and dropout's masks; default 0. */
  readonly seed?: number
  /** Default 'auto': tfjs-node-gpu, tfjs-node, then wasm. */
  readonly backend?: BackendChoice
  /** Train on the first `limit` training examples only. */
  readonly limit?: number
  /** Initial parameters (a tree from `init`, `load` or an earlier `fit`); default `model.init(key(seed))`. */
  readonly params?: P
  /** Where to write checkpoint.json, log.jsonl and training.svg after every epoch; default: nowhere. */
  readonly checkpointDir?: string
  /** Continue from `checkpointDir`'s checkpoint (bit-exact); needs `checkpointDir`. */
  readonly resume?: boolean
  /** The model's name in checkpoints (a resumed run must use the same); default 'model'. */
  readonly name?: string
  /** Report lines (d2l's `epoch k: loss ...`); default: silent. */
  readonly log?: (line: string) => void
  /** Called after each epoch with its record. */
  readonly onEpoch?: (record: EpochRecord) => void
  /** A progress bar (e.g. `barProgress(process.stderr)`); default none. */
  readonly progress?: Progress
  /** Read the losses for the NaN check every this many steps (0: once per epoch). */
  readonly checkEvery?: number
}

/** What `fit` returns: the trained parameters (as the model's tree), the per-epoch history and the run's report. */
export interface FitResult<P> {
  readonly params: P
  readonly history: readonly EpochRecord[]
  readonly report: TrainReport
}

/**
 * Trains `model` on `options.data`; every step is one compiled graph (forward, loss, gradients, update).
 * Shapes: the data's examples must be the model's input without its batch dim (`[1, 28, 28]` for
 * `['N', 1, 28, 28]`): a compile-time error where both are literal, a `ShapeMismatch` error otherwise;
 * the targets must be what the loss expects (int32 labels [N] for cross-entropy, floats shaped as the
 * output for `mse` and `binaryCrossEntropy`).
 *
 * @example
 * const mlp = sequential(['N', 1, 28, 28], flatten(), linear(784, 128), relu(), linear(128, 10))
 * const r = await fit(mlp, { data: fashionMnist(), optimizer: adam(1e-3), epochs: 2 })()
 * if (E.isRight(r)) console.log(r.right.history.at(-1)?.testAcc)
 */
export const fit = <In extends Shape, Out, P, S extends Shape>(
  model: Model<In, Out, P> | IntModel<In, Out, P>,
  options: FitOptions<P> & { readonly data: CheckedData<In, S> },
  env: Partial<Omit<TrainEnv, 'compile'>> = {},
): TE.TaskEither<TrainError, FitResult<P>> => {
  const named = typeof options.optimizer === 'string' ? options.optimizer : undefined
  const setup = {
    model,
    loss: options.loss ?? crossEntropy,
    metrics: options.metrics ?? [],
    data: options.data as DataSource,
    ...(typeof options.optimizer === 'object' ? { optimizer: options.optimizer } : {}),
    ...(options.params === undefined ? {} : { params: flattenParams(options.params as ParamTree) }),
    ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }),
  }
  const raw = {
    model: options.name,
    optimizer: named,
    lr: options.lr,
    lrDecay: options.lrDecay,
    epochs: options.epochs,
    batchSize: options.batchSize,
    seed: options.seed,
    backend: options.backend,
    limit: options.limit,
    out: options.checkpointDir,
    resume: options.resume,
    checkEvery: options.checkEvery,
  }
  return pipe(
    train(setup, raw)(defaultEnv(compileTraining, { log: options.log ?? (() => undefined), progress: options.progress ?? noProgress, ...env })),
    TE.map((report) => ({ params: paramTree(model, report.params) as P, history: report.history, report })),
  )
}

/**
 * Runs a TaskEither and returns its value, or rejects with its error (as an `Error` whose message is the
 * error's message): for code that prefers Promises.
 *
 * @example
 * const { params } = await runOrThrow(fit(mlp, { data: fashionMnist(), epochs: 1 }))
 */
export const runOrThrow = async <L, A>(task: TE.TaskEither<L, A>): Promise<A> => {
  const r = await task()
  if (E.isRight(r)) return r.right
  const l = r.left as unknown
  throw l instanceof Error ? l : Object.assign(new Error(typeof l === 'object' && l !== null && 'message' in l ? String(l.message) : String(l)), { cause: l })
}

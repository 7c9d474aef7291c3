/**
 * `predict` and `evaluate`: a model's inference form (batch norm over running statistics, no dropout), as
 * PyTorch's `eval()`, compiled once per call and run batch by batch on the selected backend.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type InferenceProgram, compileInference } from '../../compile/infer.js'
import { type Loss, type Metric, crossEntropy } from '../../dsl/losses.js'
import { type AnyModel, type IntModel, type Model, type ParamTree, flattenParams, inputDtypeOf, traceModel } from '../../dsl/model.js'
import { ShapeError } from '../../dsl/shape.js'
import type { Tensor } from '../../dsl/tensor.js'
import type { Shape } from '../../types/shape.js'
import { selectBackend } from '../backends/select.js'
import type { BackendChoice } from '../backends/types.js'
import { exampleBatches } from '../data/batches.js'
import { type Examples, inputDtype, sizeOfShape } from '../data/examples.js'
import type { DataSource } from '../data/sources.js'
import { hostBatchTensors } from '../data/device-batches.js'
import { type TrainError, trainError } from '../train/errors.js'
import { type Accumulator, averages, hostAccumulator } from '../train/metrics.js'
import { checkData } from '../train/model.js'
import type { CheckedData } from './fit.js'

/** A bad batch found while evaluating, carried out of the loop as its typed error. */
class BadBatchError extends Error {
  constructor(readonly error: TrainError) {
    super(error.message)
  }
}
const badBatch = (batch: number, what: 'inputs' | 'targets', count: number) => new BadBatchError(trainError.badBatch(0, batch, batch, what, count))

/** Options shared by `predict` and `evaluate`. */
export interface InferOptions {
  /** Examples per compiled call; default 256. */
  readonly batchSize?: number
  /** Default 'auto'. */
  readonly backend?: BackendChoice
}

const withProgram = <A>(
  model: AnyModel,
  params: ParamTree,
  opts: InferOptions,
  score: { readonly loss: Loss; readonly metrics: readonly Metric[] } | undefined,
  body: (p: InferenceProgram) => Promise<A>,
): TE.TaskEither<TrainError, A> =>
  pipe(
    selectBackend(opts.backend ?? 'auto'),
    TE.mapLeft(trainError.backend),
    TE.chain(() =>
      TE.fromEither(
        E.tryCatch(
          () => compileInference({ output: traceModel(model), params: flattenParams(params), ...(score ? { score } : {}) }, { backend: tf.getBackend() }),
          trainError.compileFailed,
        ),
      ),
    ),
    TE.chain((program) =>
      TE.tryCatch(
        async () => {
          try {
            return await body(program)
          } finally {
            program.dispose()
          }
        },
        (e) => (e instanceof ShapeError ? trainError.shape(e) : e instanceof BadBatchError ? e.error : trainError.stepFailed(0, e)),
      ),
    ),
  )

/**
 * Inputs as a flat array of examples (n inferred from the model's example shape), a host tensor
 * [n, ...example], or examples of a loaded data source (grey-level bytes are scaled to [0, 1] as in training).
 * A model of int32 inputs (token ids) takes an Int32Array, or integer values in any of the other forms.
 */
export type PredictInput = Float32Array | Int32Array | readonly number[] | Tensor | Examples

const isExamples = (input: PredictInput): input is Examples => 'n' in input && 'x' in input && 'targetShape' in input

const asExamples = (model: AnyModel, input: PredictInput): E.Either<TrainError, Examples> => {
  if (isExamples(input)) {
    const bad = checkData(model, crossEntropy, input.shape, undefined, inputDtype(input))
    return bad === undefined ? E.right(input) : E.left(trainError.shape(bad))
  }
  const example = (model.inputShape as Shape).slice(1) as (number | string)[]
  if (!example.every((d): d is number => typeof d === 'number'))
    return E.left(trainError.shape(new ShapeError('predict', `predict needs a model whose example shape is known, got [${example.join(', ')}]`)))
  const per = sizeOfShape(example)
  const tensor = 'data' in input && 'shape' in input ? input : undefined
  const data = tensor !== undefined ? tensor.data : input instanceof Float32Array || input instanceof Int32Array ? input : Float32Array.from(input as readonly number[])
  if (tensor !== undefined) {
    const bad = checkData(model, crossEntropy, tensor.shape.slice(1) as number[])
    if (bad !== undefined) return E.left(trainError.shape(bad))
  } else if (data.length % per !== 0)
    return E.left(trainError.shape(new ShapeError('predict', `predict got ${data.length} values, not a whole number of examples [${example.join(', ')}] (${per} values each)`)))
  const ints = inputDtypeOf(model) === 'int32'
  const badAt = data.findIndex((v) => !Number.isFinite(v) || (ints && !Number.isInteger(v)))
  if (badAt >= 0)
    return E.left(trainError.shape(new ShapeError('predict', `input value ${data[badAt]} at index ${badAt} (example ${Math.floor(badAt / per)}) is not ${ints ? 'an integer' : 'finite'}`)))
  const n = data.length / per
  const x = ints ? (data instanceof Int32Array ? data : Int32Array.from(data)) : data instanceof Float32Array ? data : Float32Array.from(data)
  return E.right({ n, shape: example, x, targetShape: [], targetDtype: 'int32', y: new Int32Array(n) })
}

/**
 * The model's outputs for a batch of inputs, in inference form: [n, ...example] -> [n, ...output].
 * Batches are independent: an example's output does not depend on the others (batch norm uses its running
 * statistics, dropout is the identity).
 *
 * @example
 * const r = await predict(mlp, params, images)() // Right({ shape: [n, 10], data: Float32Array })
 */
export const predict = <In extends Shape, Out, P>(model: Model<In, Out, P> | IntModel<In, Out, P>, params: P, input: PredictInput, opts: InferOptions = {}): TE.TaskEither<TrainError, Tensor> =>
  pipe(
    TE.fromEither(asExamples(model, input)),
    TE.chain((ex) =>
      withProgram(model, params as ParamTree, opts, undefined, async (program) => {
        const parts: Float32Array[] = []
        let rowShape: number[] = []
        for (const b of exampleBatches(ex, { batchSize: opts.batchSize ?? 256, shuffle: false })) {
          const x = tf.tensor(b.x, [b.size, ...ex.shape], inputDtype(b))
          const y = (() => {
            try {
              return program.predict(x)
            } finally {
              x.dispose()
            }
          })()
          rowShape = y.shape.slice(1)
          parts.push((await y.data()) as Float32Array)
          y.dispose()
        }
        const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0))
        parts.reduce((at, p) => (data.set(p, at), at + p.length), 0)
        return { shape: [ex.n, ...rowShape], data }
      }),
    ),
  )

/** Options of {@link evaluate}. */
export interface EvaluateOptions<S extends Shape = Shape> extends InferOptions {
  readonly data: DataSource<S>
  /** Which split to score; default 'test' (the training split when the source has no test split). */
  readonly split?: 'train' | 'test'
  /** Default {@link crossEntropy}. */
  readonly loss?: Loss
  readonly metrics?: readonly Metric[]
}

/** Means over the scored examples. */
export interface Evaluation {
  readonly loss: number
  /** For classifiers (a loss that counts correct examples). */
  readonly acc: number | undefined
  readonly metrics: Readonly<Record<string, number>>
  readonly count: number
}

/**
 * Scores the model on a data split in inference form: mean loss, accuracy (classifiers), metrics.
 *
 * @example
 * const r = await evaluate(mlp, params, { data: fashionMnist() })() // Right({ loss: 0.41, acc: 0.85, count: 10000, ... })
 */
export const evaluate = <In extends Shape, Out, P, S extends Shape>(
  model: Model<In, Out, P> | IntModel<In, Out, P>,
  params: P,
  options: Omit<EvaluateOptions<S>, 'data'> & { readonly data: CheckedData<In, S> },
): TE.TaskEither<TrainError, Evaluation> => {
  const loss = options.loss ?? crossEntropy
  const metrics = options.metrics ?? []
  const source = options.data as DataSource
  return pipe(
    source.load(),
    TE.mapLeft(trainError.data),
    TE.chainEitherK((d) => {
      const ex = options.split === 'train' || d.test === undefined ? d.train : d.test
      const bad = E.tryCatch(() => checkData(model, loss, ex.shape, { shape: ex.targetShape, dtype: ex.targetDtype }, inputDtype(ex)), (e) => e)
      if (E.isLeft(bad)) return E.left(bad.left instanceof ShapeError ? trainError.shape(bad.left) : trainError.compileFailed(bad.left))
      return bad.right === undefined ? E.right(ex) : E.left(trainError.shape(bad.right))
    }),
    TE.chain((ex) =>
      withProgram(model, params as ParamTree, options, { loss, metrics }, async (program) => {
        let totals: Accumulator<number> = hostAccumulator.empty
        let batch = 0
        for (const b of exampleBatches(ex, { batchSize: options.batchSize ?? 256, shuffle: false })) {
          batch++
          const [x, y] = hostBatchTensors(ex, b)
          const m = (() => {
            try {
              return program.evaluate(x, y)
            } finally {
              tf.dispose([x, y])
            }
          })()
          const all = tf.stack([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
          tf.dispose([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
          const host = (await all.data()) as Float32Array
          all.dispose()
          if (host[2]! > 0 || host[3]! > 0) throw badBatch(batch, host[2]! > 0 ? 'inputs' : 'targets', host[2]! > 0 ? host[2]! : host[3]!)
          totals = hostAccumulator.concat(totals, { lossSum: host[0]!, correct: host[1]!, extra: Array.from(host.subarray(4)), count: b.size })
        }
        const a = averages(totals)
        return { loss: a.loss, acc: loss.correct === undefined ? undefined : a.acc, metrics: Object.fromEntries(metrics.map((m, i) => [m.name, a.extra[i]!])), count: totals.count }
      }),
    ),
  )
}

/**
 * typegrad: a functional TypeScript tensor DSL with shapes in the type system, compiled to TensorFlow.js.
 * Write a model (a `sequential`, or a function composition wrapped with `model`), then `fit`, `evaluate`,
 * `predict`, `save`, `load` and `exportOnnx` it.
 *
 * @example
 * import { sequential, flatten, linear, relu, fit, fashionMnist, adam, runOrThrow } from 'typegrad'
 * const mlp = sequential(['N', 1, 28, 28], flatten(), linear(784, 128), relu(), linear(128, 10))
 * const { params } = await runOrThrow(fit(mlp, { data: fashionMnist(), optimizer: adam(1e-3), epochs: 2 }))
 */
export * from './dsl/index.js'
export { sgd, momentum, adam, exponentialDecay, type Optimizer } from './dsl/optim/index.js'
export { fit, evaluate, predict, save, load, exportOnnx, runOrThrow, type FitOptions, type FitResult, type Evaluation, type EvaluateOptions, type InferOptions, type PredictInput } from './runtime/api/index.js'
export { fashionMnist, idxDirectory, arrays, type DataSource, type DataSplits, type ArraysInput } from './runtime/data/sources.js'
export type { Examples } from './runtime/data/examples.js'
export type { EpochRecord } from './runtime/train/history.js'
export type { TrainError } from './runtime/train/errors.js'
export { barProgress, noProgress, type Progress } from './runtime/train/progress.js'
export * as compile from './compile/index.js'
export * as runtime from './runtime/index.js'
export type * as types from './types/index.js'

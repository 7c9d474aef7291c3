/** The library API: fit, evaluate, predict, save, load, exportOnnx. */
export { fit, runOrThrow, type FitOptions, type FitResult, type CheckedData } from './fit.js'
export { predict, evaluate, type PredictInput, type InferOptions, type EvaluateOptions, type Evaluation } from './infer.js'
export { save, load, exportOnnx } from './files.js'

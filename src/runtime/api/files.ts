/**
 * `save`, `load` and `exportOnnx` for any model. Saved models are typegrad model files (safetensors with a
 * structure fingerprint and a sha256 of the data; the format is documented in src/runtime/io/modelFile.ts),
 * readable by Python's `safetensors`. ONNX files (opset 17) hold the inference form.
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type IntModel, type Model, type ParamTree, flattenParams, paramSlots, paramTree, traceModel } from '../../dsl/model.js'
import type { Shape } from '../../types/shape.js'
import { type ExportError, type ExportOptions, exportOnnx as exportGraph } from '../export/index.js'
import { type ModelFileError, loadModelFile, saveModelFile } from '../io/index.js'

/** A task built when it runs, so tracing the model happens then, not when the task is made. */
const defer =
  <E, A>(make: () => TE.TaskEither<E, A>): TE.TaskEither<E, A> =>
  () =>
    make()()

/**
 * Writes the model's parameters (buffers such as running statistics included) to `path`, atomically.
 * Refuses params that do not fit the model or hold NaN/Infinity.
 *
 * @example
 * await save(mlp, params, 'mlp.safetensors')() // Right({ path: 'mlp.safetensors', bytes: 407_432 })
 */
export const save = <In extends Shape, Out, P>(
  model: Model<In, Out, P> | IntModel<In, Out, P>,
  params: P,
  path: string,
  metadata: Readonly<Record<string, string>> = {},
): TE.TaskEither<ModelFileError, { readonly path: string; readonly bytes: number }> =>
  defer(() => saveModelFile(path, flattenParams(params as ParamTree), paramSlots(model), metadata))

/**
 * Reads parameters saved by {@link save} for `model`, as its own tree. A file from another model fails
 * naming the first parameter that differs and both shapes; a damaged file fails its checksum.
 *
 * @example
 * const params = await load(mlp, 'mlp.safetensors')() // Right(params): params[1].weight is Tensor<[128, 784]>
 */
export const load = <In extends Shape, Out, P>(model: Model<In, Out, P> | IntModel<In, Out, P>, path: string): TE.TaskEither<ModelFileError, P> =>
  pipe(
    defer(() => loadModelFile(path, paramSlots(model))),
    TE.map((flat) => paramTree(model, flat) as P),
  )

/**
 * Exports the model's inference form (batch norm over running statistics, no dropout) with `params` as an
 * ONNX file (opset 17) that ONNX Runtime and the engines that read ONNX run: input 'x' [N, ...example],
 * output [N, ...].
 *
 * @example
 * await exportOnnx(mlp, params, 'mlp.onnx')() // Right({ path: 'mlp.onnx', bytes: 407_901 })
 */
export const exportOnnx = <In extends Shape, Out, P>(
  model: Model<In, Out, P> | IntModel<In, Out, P>,
  params: P,
  path: string,
  opts: ExportOptions = {},
): TE.TaskEither<ExportError, { readonly path: string; readonly bytes: number }> =>
  defer(() => exportGraph(traceModel(model), flattenParams(params as ParamTree), path, opts))

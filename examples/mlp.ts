/**
 * The whole user story on a multilayer perceptron for Fashion-MNIST: define a model, `fit` it, `evaluate`
 * it on the test split, `predict` a few images, `save` and `load` its parameters, and `exportOnnx` it.
 *
 *   npx tsx examples/mlp.ts                           # runs `main` below, prints `test acc 0.8...`
 *   npx typegrad train --model examples/mlp.ts        # trains the default export with the CLI's flags
 *
 * Every step returns an fp-ts `TaskEither`; `runOrThrow` turns one into a Promise for plain async code.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  type Examples,
  type runtime,
  adam,
  dropout,
  evaluate,
  exportOnnx,
  fashionMnist,
  fit,
  flatten,
  linear,
  load,
  predict,
  relu,
  runOrThrow,
  save,
  sequential,
} from '../src/index.js'

/** Images [N, 1, 28, 28] -> logits [N, 10]; hover it to see the shapes the type system tracks. */
const mlp = sequential(['N', 1, 28, 28], flatten(), linear(784, 256), relu(), dropout(0.2), linear(256, 10))

export default mlp

/** What `main` can shorten or redirect (the test trains on a subset). */
export interface MlpOptions {
  readonly epochs?: number
  /** Train on the first `limit` training images only. */
  readonly limit?: number
  /** Where mlp.safetensors and mlp.onnx go; default ./out. */
  readonly outDir?: string
  readonly backend?: runtime.BackendChoice
  readonly log?: (line: string) => void
}

/** What a run of `main` measured and wrote. */
export interface MlpRun {
  readonly testAcc: number
  /** The first 8 test images [8, 1, 28, 28] and the trained model's logits for them [8, 10]. */
  readonly images: Float32Array
  readonly logits: Float32Array
  readonly predicted: readonly number[]
  readonly labels: readonly number[]
  /** Whether the parameters read back from the file predict exactly what the trained ones do. */
  readonly reloadIdentical: boolean
  readonly modelFile: string
  readonly onnxFile: string
}

/** Row-wise argmax of logits [n, classes]. */
const argmax = (logits: Float32Array, classes: number): number[] =>
  Array.from({ length: logits.length / classes }, (_, i) => {
    const row = logits.subarray(i * classes, (i + 1) * classes)
    return row.indexOf(Math.max(...row))
  })

/** The first `n` examples as floats in [0, 1]: bundled Fashion-MNIST keeps its grey levels as bytes. */
const firstExamples = (ex: Examples, n: number): { x: Float32Array; y: number[] } => {
  const per = ex.shape.reduce((a, d) => a * d, 1)
  const raw = ex.x.subarray(0, n * per)
  return { x: raw instanceof Uint8Array ? Float32Array.from(raw, (v) => v / 255) : Float32Array.from(raw), y: Array.from(ex.y.subarray(0, n)) }
}

/**
 * Trains the MLP, scores it, predicts 8 test images, round-trips its parameters through a file and exports
 * it to ONNX, logging each step; returns what the test checks.
 */
export const main = async (opts: MlpOptions = {}): Promise<MlpRun> => {
  const log = opts.log ?? console.log
  const outDir = opts.outDir ?? 'out'
  const backend = opts.backend ?? 'auto'
  await mkdir(outDir, { recursive: true })
  const data = fashionMnist()

  const { params } = await runOrThrow(
    fit(mlp, { data, optimizer: adam(1e-3), epochs: opts.epochs ?? 5, backend, log, limit: opts.limit }),
  )

  // Inference form: dropout is the identity here, so the score does not depend on a random mask.
  const scored = await runOrThrow(evaluate(mlp, params, { data, backend }))
  const testAcc = scored.acc ?? Number.NaN
  log(`evaluate: loss ${scored.loss.toFixed(3)}, acc ${testAcc.toFixed(3)} on ${scored.count} test images`)

  const splits = await runOrThrow(data.load())
  const test = splits.test ?? splits.train
  const sample = firstExamples(test, 8)
  const logits = await runOrThrow(predict(mlp, params, sample.x, { backend }))
  const predicted = argmax(logits.data, 10)
  log(`predicted ${predicted.join(' ')}`)
  log(`labels    ${sample.y.join(' ')}`)

  const modelFile = join(outDir, 'mlp.safetensors')
  await runOrThrow(save(mlp, params, modelFile))
  const loaded = await runOrThrow(load(mlp, modelFile))
  const again = await runOrThrow(predict(mlp, loaded, sample.x, { backend }))
  const reloadIdentical = again.data.length === logits.data.length && again.data.every((v, i) => v === logits.data[i])
  log(`saved ${modelFile}; loaded params predict ${reloadIdentical ? 'identically' : 'DIFFERENTLY'}`)

  const onnxFile = join(outDir, 'mlp.onnx')
  const onnx = await runOrThrow(exportOnnx(mlp, params, onnxFile))
  log(`exported ${onnx.path} (${onnx.bytes} bytes)`)

  return { testAcc, images: sample.x, logits: logits.data, predicted, labels: sample.y, reloadIdentical, modelFile, onnxFile }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = await main()
  console.log(`test acc ${run.testAcc.toFixed(3)}`)
}

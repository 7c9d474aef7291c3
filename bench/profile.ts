/**
 * `npm run profile -- [--model lenet|lenet-modern|<module.ts>] [--batch 256] [--steps 10] [--threads 2] [--top 25] [--print]`
 *
 * Compiles a model's training step on wasm (2 threads by default) and profiles it: ms per step and
 * examples/s over `steps` unprofiled steps, then the wall time of every lowered op through compileTraining's
 * `profile` hook over `steps` more, summed per op and output shape: the top 25 (`--top`) by ms/step, with their share
 * of the step, and the total. `--print` prints the optimized step graph first.
 *
 * `--model` takes a catalog name (examples/models.ts, with its recipe) or, like `typegrad train --model`, a
 * module whose default export (or `model` export) is the model; it may export `loss` (default cross-entropy)
 * and `recipe` (default: Adam 1e-3). The batch is random: normal inputs (zeros for int32 token inputs),
 * labels in range for class targets, normal float targets otherwise.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as tf from '@tensorflow/tfjs-core'
import { compileTraining } from '../src/compile/train.js'
import { crossEntropy, type Loss } from '../src/dsl/losses.js'
import { type AnyModel, inputDtypeOf, traceModel } from '../src/dsl/model.js'
import type { Node } from '../src/dsl/node.js'
import { initWasm } from '../src/runtime/backends/wasm.js'
import { arrays } from '../src/runtime/data/sources.js'
import { DEFAULT_RECIPE, type Recipe } from '../src/runtime/train/config.js'
import { trainSpec } from '../src/runtime/train/model.js'
import { MODEL_NAMES, type ModelName, RECIPES, lenetSetup } from '../examples/models.js'
import { hasFlag, intArg, stringArg } from './args.js'

const argv = process.argv.slice(2)
const name = stringArg(argv, 'model', 'lenet-modern')
const batch = intArg(argv, 'batch', 256)
const steps = Math.max(1, intArg(argv, 'steps', 10))
const TOP = Math.max(1, intArg(argv, 'top', 25))
const threads = intArg(argv, 'threads', 2)

/** What a model module may export (as the CLI's `typegrad train --model` reads it, plus a named `model`). */
interface ModelModule {
  readonly default?: AnyModel
  readonly model?: AnyModel
  readonly loss?: Loss
  readonly recipe?: Recipe
}
const isModel = (m: unknown): m is AnyModel => typeof m === 'function' && Array.isArray((m as { inputShape?: unknown }).inputShape)

const load = async (): Promise<{ model: AnyModel; loss: Loss; recipe: Recipe }> => {
  if ((MODEL_NAMES as readonly string[]).includes(name)) {
    const setup = lenetSetup(name as ModelName)
    return { model: setup.model, loss: setup.loss, recipe: RECIPES[name as ModelName] }
  }
  // run under tsx, a .ts module imports directly and shares typegrad's module instances (one IR node table)
  const mod = (await import(pathToFileURL(resolve(name)).href)) as ModelModule
  const model = isModel(mod.default) ? mod.default : mod.model
  if (!isModel(model)) throw new Error(`${name} exports no model (export default sequential(...) or model(...), or export const model)`)
  return { model, loss: mod.loss ?? crossEntropy, recipe: mod.recipe ?? DEFAULT_RECIPE }
}

/** A shape with its batch dimension (the first) set to `batch`; other dims must be numbers. */
const concrete = (shape: readonly (number | string)[], what: string): number[] =>
  shape.map((d, i) => {
    if (i === 0) return batch
    if (typeof d !== 'number') throw new Error(`${what} has a symbolic dimension ${JSON.stringify(d)} besides the batch: cannot make a random batch`)
    return d
  })

const info = await initWasm({ threads })
const { model, loss, recipe } = await load()
// the setup's data is never loaded: the step runs on a random batch
const setup = { model, loss, data: arrays({ shape: [1], x: [0], y: [0] }) }
const logits = traceModel(model)
const xShape = concrete(model.inputShape as readonly (number | string)[], 'the model input')
const yShape = concrete(loss.target.shape(logits.shape) as readonly (number | string)[], 'the targets')
const classes = logits.shape[logits.shape.length - 1]
const x = inputDtypeOf(model) === 'int32' ? tf.zeros(xShape, 'int32') : tf.randomNormal(xShape)
const y = loss.target.dtype === 'int32' ? tf.randomUniform(yShape, 0, typeof classes === 'number' ? classes : 2, 'int32') : tf.randomNormal(yShape)

const byOp = new Map<string, { ms: number; calls: number }>()
let profiling = false
const profile = (n: Node, ms: number) => {
  if (!profiling) return
  const k = `${n.op} [${n.shape.join(', ')}]`
  const e = byOp.get(k) ?? { ms: 0, calls: 0 }
  byOp.set(k, { ms: e.ms + ms, calls: e.calls + 1 })
}
const t0 = performance.now()
const program = compileTraining(trainSpec(setup, { ...recipe, seed: 0 }), { backend: tf.getBackend(), profile })
const compileMs = performance.now() - t0
if (hasFlag(argv, 'print')) console.log(program.printed.after)
const run = (k: number) => {
  for (let i = 0; i < k; i++) {
    const m = program.step(x, y)
    tf.dispose([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
  }
}
run(3)
await program.read()
const t1 = performance.now()
run(steps)
await program.read()
const ms = (performance.now() - t1) / steps
profiling = true
run(steps)
await program.read()
profiling = false

const rows = [...byOp.entries()].map(([k, v]) => ({ k, ms: v.ms / steps, calls: v.calls / steps })).sort((a, b) => b.ms - a.ms)
const total = rows.reduce((a, r) => a + r.ms, 0)
console.log(`${name}: training step (${recipe.optimizer} lr ${recipe.lr}), batch ${batch}, wasm (${info.threads} threads${info.simd ? ', SIMD' : ''}); compiled in ${compileMs.toFixed(0)} ms`)
console.log(`${ms.toFixed(2)} ms/step, ${((batch * 1000) / ms).toFixed(0)} examples/s (${steps} unprofiled steps)`)
console.log(`${'ms/step'.padStart(8)} ${'% step'.padStart(7)} ${'calls'.padStart(5)}  op [output shape]`)
for (const r of rows.slice(0, TOP)) console.log(`${r.ms.toFixed(2).padStart(8)} ${((100 * r.ms) / ms).toFixed(1).padStart(7)} ${String(r.calls).padStart(5)}  ${r.k}`)
if (rows.length > TOP) console.log(`${'...'.padStart(8)} ${rows.length - TOP} more op/shape rows, ${rows.slice(TOP).reduce((a, r) => a + r.ms, 0).toFixed(2)} ms/step`)
console.log(`${total.toFixed(2).padStart(8)} ${((100 * total) / ms).toFixed(1).padStart(7)}        total of the profiled ops (${rows.length} op/shape rows; % of the unprofiled step)`)
program.dispose()
process.exit(0)

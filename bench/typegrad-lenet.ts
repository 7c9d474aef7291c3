/**
 * typegrad's compiled LeNet training step (forward, mean CE, autodiff backward, SGD update as one lowered
 * graph) on the active tfjs backend: compile time, and time per step with no host sync inside the loop.
 */
import * as tf from '@tensorflow/tfjs-core'
import { graphOf } from '../src/compile/graph.js'
import { type StepMetrics, type TrainProgram, compileTraining } from '../src/compile/train.js'
import { input, intInput } from '../src/dsl/expr.js'
import { sgd } from '../src/dsl/optim/index.js'
import { key } from '../src/dsl/random.js'
import { type Tensor, initTensor } from '../src/dsl/tensor.js'
import { lenet } from '../examples/lenet.js'
import { type ModelName, RECIPES, lenetSetup } from '../examples/models.js'
import { trainSpec } from '../src/runtime/train/model.js'

/** Compiles LeNet's SGD(0.9) train step for `backend`; returns the program and the compile time in ms. */
export const compileLenetStep = (backend: string): { program: TrainProgram; compileMs: number } => {
  const t0 = performance.now()
  const logits = lenet(input('x', ['N', 1, 28, 28])).node
  const labels = intInput('y', ['N']).node
  const params: Record<string, Tensor> = Object.fromEntries(
    graphOf([logits]).params.map((p, i) => [p.attrs.name, initTensor(key(i), p.shape as number[], p.attrs.init, p.attrs.fanIn, p.attrs.fanOut)]),
  )
  const program = compileTraining({ logits, labels, optimizer: sgd(0.9), params }, { backend })
  return { program, compileMs: performance.now() - t0 }
}

/**
 * Compiles the training step of a catalog model with its recipe (examples/models.ts, seed 0), as
 * `npm run lenet -- --model <name>` compiles it (a recipe's per-epoch decay is a schedule over the steps).
 */
export const compileRecipeStep = (name: ModelName, backend: string): { program: TrainProgram; compileMs: number } => {
  const t0 = performance.now()
  const program = compileTraining(trainSpec(lenetSetup(name), { ...RECIPES[name], seed: 0 }, Math.ceil(60_000 / 256)), { backend })
  return { program, compileMs: performance.now() - t0 }
}

/**
 * ms per step of `program` on a random batch: `warmup` steps, then `steps` queued steps ending with one
 * await of the last loss (which waits for everything queued before it).
 */
export const timeSteps = async (program: TrainProgram, batch: number, steps: number, warmup = 3): Promise<{ msPerStep: number; loss: number }> => {
  const x = tf.randomUniform([batch, 1, 28, 28])
  const y = tf.randomUniform([batch], 0, 10, 'int32')
  for (let i = 0; i < warmup; i++) {
    const m = program.step(x, y)
    await m.lossSum.data()
    tf.dispose([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
  }
  const t0 = performance.now()
  let last: StepMetrics | undefined
  const release = (m: StepMetrics) => tf.dispose([m.lossSum, m.correct, m.invalidInputs, m.invalidTargets, ...m.extra])
  for (let i = 0; i < steps; i++) {
    if (last) release(last)
    last = program.step(x, y)
  }
  const lossSum = (await last!.lossSum.data())[0]!
  const msPerStep = (performance.now() - t0) / steps
  release(last!)
  tf.dispose([x, y])
  return { msPerStep, loss: lossSum / batch }
}

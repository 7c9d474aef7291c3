/**
 * The compiled LeNet training step on wasm (2 threads) with the heap kernels' second thread off
 * vs on, alternating rounds in one process; prints the median ms/step of each.
 * Run: npx tsx bench/heap-threads/step.ts [batch] [--model=lenet|lenet-modern]
 */
import * as tf from '@tensorflow/tfjs-core'
import { compileTraining } from '../../src/compile/train.js'
import { setHeapThreads } from '../../src/ops/kernels/heap-threads.js'
import { initWasm } from '../../src/runtime/backends/wasm.js'
import { trainSpec } from '../../src/runtime/train/model.js'
import { RECIPES, lenetSetup } from '../../examples/models.js'

await initWasm({ threads: 2 })
const batch = Number(process.argv[2] ?? 256)
const model = (process.argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'lenet') as 'lenet' | 'lenet-modern'
const spec = trainSpec(lenetSetup(model), { ...RECIPES[model], seed: 0 })
const program = compileTraining(spec, { backend: tf.getBackend() })
const x = tf.randomNormal([batch, 1, 28, 28])
const y = tf.randomUniform([batch], 0, 10, 'int32')
const round = async (steps: number): Promise<number> => {
  const t0 = performance.now()
  for (let i = 0; i < steps; i++) {
    const m = program.step(x, y)
    tf.dispose([m.lossSum, m.correct])
  }
  await program.read()
  return (performance.now() - t0) / steps
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
for (const mode of ['off', 'auto', 'off', 'auto'] as const) {
  setHeapThreads(mode)
  await round(3)
}
const off: number[] = []
const on: number[] = []
for (let r = 0; r < 15; r++) {
  setHeapThreads('off')
  off.push(await round(5))
  setHeapThreads('auto')
  on.push(await round(5))
}
console.log(`${model} batch ${batch}: one thread ${median(off).toFixed(1)} ms/step, two threads ${median(on).toFixed(1)} ms/step`)

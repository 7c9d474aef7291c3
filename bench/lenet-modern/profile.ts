/**
 * Profiles lenet-modern's compiled training step on wasm: ms per step and the per-op wall time
 * (lower's `profile` hook), summed by op over a few steps. Run: npx tsx bench/lenet-modern/profile.ts [batch] [--model=lenet] [--print]
 */
import * as tf from '@tensorflow/tfjs-core'
import { compileTraining } from '../../src/compile/train.js'
import { initWasm } from '../../src/runtime/backends/wasm.js'
import { trainSpec } from '../../src/runtime/train/model.js'
import { RECIPES, lenetSetup } from '../../examples/models.js'
import type { Node } from '../../src/dsl/node.js'

await initWasm({ threads: 2 })
const batch = Number(process.argv[2] ?? 256)
const model = (process.argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'lenet-modern') as 'lenet' | 'lenet-modern'
const spec = trainSpec(lenetSetup(model), { ...RECIPES[model], seed: 0 })
const byOp = new Map<string, number>()
let profiling = false
const profile = (n: Node, ms: number) => {
  if (!profiling) return
  const k = `${n.op} ${JSON.stringify(n.shape)}`
  byOp.set(k, (byOp.get(k) ?? 0) + ms)
}
const program = compileTraining(spec, { backend: tf.getBackend(), profile })
if (process.argv.includes('--print')) console.log(program.printed.after)
const x = tf.randomNormal([batch, 1, 28, 28])
const y = tf.randomUniform([batch], 0, 10, 'int32')
const run = (k: number) => {
  for (let i = 0; i < k; i++) {
    const m = program.step(x, y)
    tf.dispose([m.lossSum, m.correct])
  }
}
run(3)
const steps = 10
const t0 = performance.now()
run(steps)
await program.read()
const ms = (performance.now() - t0) / steps
console.log(`batch ${batch}: ${ms.toFixed(1)} ms/step, ${((batch * 1000) / ms).toFixed(0)} ex/s`)
profiling = true
run(steps)
profiling = false
const rows = [...byOp.entries()].map(([k, v]) => [k, v / steps] as const).sort((a, b) => b[1] - a[1])
let total = 0
for (const [, v] of rows) total += v
for (const [k, v] of rows.slice(0, 25)) console.log(v.toFixed(2).padStart(7), k)
console.log('total profiled ms/step', total.toFixed(1))
program.dispose()

/**
 * Benchmarks of one LeNet training step (batch 256): typegrad's compiled step on wasm, the same model
 * through tfjs's own tape on wasm, and PyTorch on the CPU (when some python3 has torch), plus the ratio
 * typegrad / PyTorch and the compile time of the step.
 *
 * Usage: npm run bench [-- --json] [--steps 30] [--rounds 5] [--threads 2] [--batch 256] [--no-tape] [--no-pytorch]
 * With --json: one JSON object per line, {"name","backend","batch","examples_per_sec","ms_per_step"}, then
 * {"name":"typegrad/pytorch","ratio"} and {"name":"compile lenet train step","compile_ms","first_compile_ms"}.
 */
import * as tf from '@tensorflow/tfjs-core'
import { initWasm } from '../src/runtime/backends/wasm.js'
import { pytorchStep } from './pytorch.js'
import { tapeLenetStep } from './tape-lenet.js'
import { compileLenetStep, timeSteps } from './typegrad-lenet.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const json = process.argv.includes('--json')
const batch = arg('batch', 256)
const steps = arg('steps', 30)
const threads = arg('threads', 2)
const rounds = arg('rounds', 5)

interface Row {
  readonly name: string
  readonly backend: string
  readonly batch: number
  readonly examples_per_sec: number
  readonly ms_per_step: number
}
const row = (name: string, backend: string, ms: number): Row => ({
  name,
  backend,
  batch,
  examples_per_sec: Math.round((batch * 1000) / ms),
  ms_per_step: Number(ms.toFixed(2)),
})

const info = await initWasm({ threads })
const wasm = `wasm (${info.threads} threads${info.simd ? ', SIMD' : ''})`
const rows: Row[] = []
const emit = (r: Row) => {
  rows.push(r)
  if (json) console.log(JSON.stringify(r))
}

// the first compile in a process also pays for V8 warming up the compiler's code; the second is the steady cost
const first = compileLenetStep(tf.getBackend())
first.program.dispose()
const { program, compileMs } = compileLenetStep(tf.getBackend())
// Machines are noisy: typegrad and PyTorch alternate for `rounds` rounds and the medians are reported.
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const oursMs: number[] = []
const torchMs: number[] = []
let torchInfo: { version: string; threads: number } | undefined
let loss = NaN
for (let r = 0; r < rounds; r++) {
  const ours = await timeSteps(program, batch, steps)
  oursMs.push(ours.msPerStep)
  loss = ours.loss
  const torch = process.argv.includes('--no-pytorch') ? undefined : await pytorchStep(batch, steps, threads)
  if (torch) {
    torchMs.push(torch.msPerStep)
    torchInfo = torch
  }
}
program.dispose()
emit(row('typegrad compiled step', wasm, median(oursMs)))
if (!process.argv.includes('--no-tape')) emit(row('tfjs tape step', wasm, await tapeLenetStep(batch, steps)))
if (torchInfo) emit(row('pytorch', `cpu (${torchInfo.threads} threads, torch ${torchInfo.version})`, median(torchMs)))
const ratio = torchInfo ? median(torchMs.map((t, i) => t / oursMs[i]!)) : undefined
const ours = { loss }

if (json) {
  if (ratio !== undefined) console.log(JSON.stringify({ name: 'typegrad/pytorch', ratio: Number(ratio.toFixed(3)) }))
  console.log(JSON.stringify({ name: 'compile lenet train step', compile_ms: Number(compileMs.toFixed(1)), first_compile_ms: Number(first.compileMs.toFixed(1)) }))
} else {
  console.log(`LeNet training step, batch ${batch}, ${steps} timed steps, median of ${rounds} alternating rounds`)
  console.log(`${'name'.padEnd(24)} ${'backend'.padEnd(32)} ${'examples/s'.padStart(10)} ${'ms/step'.padStart(9)}`)
  for (const r of rows) console.log(`${r.name.padEnd(24)} ${r.backend.padEnd(32)} ${String(r.examples_per_sec).padStart(10)} ${r.ms_per_step.toFixed(2).padStart(9)}`)
  if (ratio !== undefined) console.log(`typegrad / pytorch: ${ratio.toFixed(2)}x`)
  else if (!process.argv.includes('--no-pytorch')) console.log('pytorch: not available (no python3 with torch)')
  console.log(`compile time of the train step: ${compileMs.toFixed(1)} ms (first in the process: ${first.compileMs.toFixed(1)} ms); loss after timing ${ours.loss.toFixed(4)}`)
}
// wasm's pool threads are unref'd, but exit explicitly all the same
process.exit(0)

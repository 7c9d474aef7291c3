/**
 * Benchmark: LeNet train step (batch 256) on tfjs-wasm, hand-written backward vs tfjs' tape.
 * Usage: npx tsx bench/wasm-lenet-step.ts [--threads N] [--steps N] [--profile]
 */
import * as tf from '@tensorflow/tfjs-core'
import { initWasm } from '../src/runtime/backends/wasm.js'
import { registerGradients } from '../src/runtime/backends/gradients.js'
import { registerConv2dBackpropFilter } from '../src/runtime/kernels/conv2d-backprop-filter.js'
import { initLeNet, type LeNetParams } from './lenet/params.js'
import { lenetStep } from './lenet/handwritten-step.js'
import { tapeStep } from './lenet/tape-step.js'

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const BATCH = 256
const threads = arg('threads', 2)
const steps = arg('steps', 30)
const info = await initWasm({ threads })
await registerGradients()
registerConv2dBackpropFilter('wasm')
console.log(`wasm backend: ${info.threads} thread(s), simd=${info.simd}`)

const x = tf.randomUniform([BATCH, 28, 28, 1]) as tf.Tensor4D
const y = tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D

type Step = (p: LeNetParams, x: tf.Tensor4D, y: tf.Tensor1D, lr: number) => tf.Scalar
function measure(label: string, step: Step): number {
  const p = initLeNet(1)
  for (let i = 0; i < 3; i++) step(p, x, y, 0.9).dataSync() // warm-up: operator creation, heap growth
  const before = tf.memory().numTensors
  const t0 = performance.now()
  let last: tf.Scalar | undefined
  for (let i = 0; i < steps; i++) {
    last?.dispose()
    last = step(p, x, y, 0.9)
  }
  const loss = last!.dataSync()[0] // the only sync: waits for the whole chain
  const ms = (performance.now() - t0) / steps
  last!.dispose()
  const leaked = tf.memory().numTensors - before
  console.log(`${label}: ${ms.toFixed(2)} ms/step, ${((BATCH * 1000) / ms).toFixed(0)} examples/s (loss ${loss.toFixed(4)}, tensors leaked ${leaked})`)
  Object.values(p).forEach((v) => v.dispose())
  return ms
}

async function profile(step: Step): Promise<void> {
  const p = initLeNet(1)
  step(p, x, y, 0.9).dispose()
  const prof = await tf.profile(() => step(p, x, y, 0.9))
  const byKernel = new Map<string, number>()
  for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number))
  const rows = [...byKernel].sort((a, b) => b[1] - a[1])
  console.log('per-kernel time (tf.profile, ms):', rows.map(([k, t]) => `${k} ${t.toFixed(2)}`).join(', '))
}

const hand = measure('hand-written step', lenetStep)
if (!process.argv.includes('--no-tape')) {
  const tape = measure('tfjs tape step   ', tapeStep)
  console.log(`hand-written / tape speedup: ${(tape / hand).toFixed(2)}x`)
}
if (process.argv.includes('--profile')) await profile(lenetStep)

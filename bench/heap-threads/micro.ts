/**
 * Microbenchmark: the pooled sigmoid grad heap kernel on one vs two threads (threaded wasm
 * build), alternating A/B in one process, median of 15. Usage: npx tsx bench/heap-threads/micro.ts
 */
import * as tf from '@tensorflow/tfjs-core'
import { initWasm } from '../../src/runtime/backends/wasm.js'
import { pooledSigmoidGradWithBias } from '../../src/ops/kernels/index.js'
import { setHeapThreads } from '../../src/ops/kernels/heap-threads.js'

const info = await initWasm({ threads: 2 })
const heap = (tf.backend() as unknown as { wasm: { HEAPF32: Float32Array } }).wasm.HEAPF32.buffer
console.log(`wasm threads=${info.threads} shared heap=${heap instanceof SharedArrayBuffer}`)

const cases: Array<{ y: [number, number, number, number]; layouts: { nhwc?: boolean; hwnc?: boolean } }> = [
  { y: [256, 28, 28, 6], layouts: { hwnc: true } },
  { y: [256, 28, 28, 6], layouts: { nhwc: true } },
  { y: [256, 28, 28, 6], layouts: { nhwc: true, hwnc: true } },
  { y: [256, 10, 10, 16], layouts: { nhwc: true, hwnc: true } },
  { y: [256, 10, 10, 16], layouts: { hwnc: true } },
  { y: [64, 10, 10, 16], layouts: { hwnc: true } },
  { y: [16, 10, 10, 16], layouts: { hwnc: true } },
  { y: [8, 10, 10, 16], layouts: { hwnc: true } },
  { y: [4, 10, 10, 16], layouts: { hwnc: true } },
]
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

for (const { y: shape, layouts } of cases) {
  const [n, h, w, c] = shape
  const y = tf.randomUniform(shape, 0.01, 0.99) as tf.Tensor4D
  const dp = tf.randomNormal([n, h / 2, w / 2, c]) as tf.Tensor4D
  const time = (two: boolean): number => {
    setHeapThreads(two ? (process.env['ALWAYS'] ? 'always' : 'auto') : 'off')
    const t0 = performance.now()
    const r = pooledSigmoidGradWithBias(y, dp, 2, 2, layouts)
    const dt = performance.now() - t0
    r.dx?.dispose(); r.dxHWNC?.dispose(); r.db.dispose()
    return dt
  }
  for (let i = 0; i < 5; i++) { time(false); time(true) }
  const one: number[] = []
  const two: number[] = []
  for (let i = 0; i < 15; i++) { one.push(time(false)); two.push(time(true)) }
  console.log(`${shape.join('x')} ${JSON.stringify(layouts)}: 1 thread ${median(one).toFixed(3)} ms, 2 threads ${median(two).toFixed(3)} ms`)
  y.dispose(); dp.dispose()
}
setHeapThreads('auto')

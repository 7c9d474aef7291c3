/** Loop-only timing of pooledSigmoidGradViews on a plain SharedArrayBuffer, 1 vs 2 threads. */
import { pooledSigmoidGradViews } from '../../src/ops/kernels/fused-grads-wasm.js'
import { setHeapThreads } from '../../src/ops/kernels/heap-threads.js'
const [n, h, w, c] = [256, 28, 28, 6]
const size = n * h * w * c
const heap = new SharedArrayBuffer(4 * (3 * size + size / 4))
const ys = new Float32Array(heap, 0, size)
for (let i = 0; i < size; i++) ys[i] = Math.random()
const dps = new Float32Array(heap, 4 * size, size / 4)
for (let i = 0; i < size / 4; i++) dps[i] = Math.random()
const out = new Float32Array(heap, 4 * (size + size / 4), size)
const outT = new Float32Array(heap, 4 * (2 * size + size / 4), size)
const acc = new Float64Array(c)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const time = (m: 'off' | 'auto', l: number): number => {
  setHeapThreads(m)
  const t0 = performance.now()
  pooledSigmoidGradViews(ys, dps, l & 1 ? out : undefined, l & 2 ? outT : undefined, acc, [n, h, w, c], [h / 2, w / 2], [2, 2])
  return performance.now() - t0
}
for (const l of [1, 2, 3]) {
  for (let i = 0; i < 10; i++) { time('off', l); time('auto', l); await new Promise((r) => setTimeout(r, 5)) }
  const a: number[] = [], b: number[] = []
  for (let i = 0; i < 15; i++) { a.push(time('off', l)); b.push(time('auto', l)) }
  console.log(`layout ${l}: 1 thread ${median(a).toFixed(2)} ms, 2 threads ${median(b).toFixed(2)} ms`)
}

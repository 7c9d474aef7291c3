/**
 * The two-thread path of the heap kernels (pooled sigmoid grad, max-pool grad) (heap-threads.ts) against the one-thread path, on a
 * SharedArrayBuffer standing in for the threaded wasm heap. Element outputs must match bitwise
 * (each element is computed by the same code); the bias sums are the sum of two half sums, so
 * they may differ from the sequential sum in the last bits (checked to 1e-6 relative).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pooledSigmoidGradViews } from '../../../src/ops/kernels/fused-grads-wasm.js'
import { heapThreadsActive, setHeapThreads } from '../../../src/ops/kernels/heap-threads.js'
import { maxPoolGradViews } from '../../../src/ops/kernels/max-pool2d-grad-heap.js'
import { seeded } from './support.js'

type Dims = [number, number, number, number]

/** Lays y, dp and both outputs out on one shared buffer, like tensors on the wasm heap. */
function sharedCase(dims: Dims, k: number, seed: number) {
  const [n, h, w, c] = dims
  const size = n * h * w * c
  const pSize = (n * h * w * c) / (k * k)
  const heap = new SharedArrayBuffer(4 * (3 * size + pSize) + 64)
  let at = 16
  const view = (len: number): Float32Array => {
    const v = new Float32Array(heap, at, len)
    at += 4 * len
    return v
  }
  const ys = view(size)
  ys.set(seeded(seed, size).map((v) => 0.5 + 0.49 * v))
  const dps = view(pSize)
  dps.set(seeded(seed + 1, pSize))
  return { ys, dps, out: view(size), outT: view(size) }
}

function run(dims: Dims, k: number, seed: number, two: boolean, layout: 1 | 2 | 3) {
  const [n, h, w, c] = dims
  const { ys, dps, out, outT } = sharedCase(dims, k, seed)
  const acc = new Float64Array(c)
  setHeapThreads(two ? 'always' : 'off')
  pooledSigmoidGradViews(ys, dps, layout & 1 ? out : undefined, layout & 2 ? outT : undefined, acc, dims, [h / k, w / k], [k, k])
  return { out: Array.from(out), outT: Array.from(outT), acc: Array.from(acc), n }
}

describe('heap kernels on two threads', () => {
  beforeAll(async () => {
    // The worker starts lazily and the first calls run on one thread until it is ready.
    for (let i = 0; i < 200 && !heapThreadsActive(); i++) {
      run([64, 16, 16, 8], 2, 1, true, 1)
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(heapThreadsActive()).toBe(true)
  })
  afterAll(() => setHeapThreads('auto'))

  it('pooled sigmoid grad: two threads equal one thread (bitwise elements, bias to 1e-6)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 70 }),
        fc.constantFrom(2, 4),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.constantFrom(1 as const, 2 as const, 3 as const),
        (n, k, c, seed, layout) => {
          const dims: Dims = [n, 4 * k, 2 * k, c]
          const one = run(dims, k, seed, false, layout)
          const two = run(dims, k, seed, true, layout)
          expect(two.out).toEqual(one.out)
          expect(two.outT).toEqual(one.outT)
          two.acc.forEach((v, i) => expect(Math.abs(v - one.acc[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(one.acc[i]!))))
        },
      ),
      { numRuns: 30 },
    )
  })

  it('max-pool grad: two threads equal one thread bitwise (overlapping, padded, tied windows)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 2, 3),
        fc.constantFrom(1, 2),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (n, hw, c, k, s, pad, seed) => {
          const oh = Math.floor((hw + 2 * pad - k) / s) + 1
          const size = n * hw * hw * c
          const dySize = n * oh * oh * c
          const runOnce = (two: boolean): number[] => {
            const heap = new SharedArrayBuffer(4 * (2 * size + dySize))
            const xs = new Float32Array(heap, 0, size)
            xs.set(seeded(seed, size, true))
            const dys = new Float32Array(heap, 4 * size, dySize)
            dys.set(seeded(seed + 1, dySize))
            const out = new Float32Array(heap, 4 * (size + dySize), size)
            out.fill(Number.NaN)
            setHeapThreads(two ? 'always' : 'off')
            maxPoolGradViews(xs, dys, out, [n, hw, hw, c], [oh, oh], [k, k], [s, s], [pad, pad])
            return Array.from(out)
          }
          expect(runOnce(true)).toEqual(runOnce(false))
        },
      ),
      { numRuns: 30 },
    )
  })
})

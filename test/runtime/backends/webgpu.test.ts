import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import seedrandom from 'seedrandom'
import { afterAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../src/runtime/backends/select.js'
import type { BackendName } from '../../../src/runtime/backends/types.js'
import { releaseWebGpu, webgpuUnavailableReason } from '../../../src/runtime/backends/webgpu.js'

const unavailable = await webgpuUnavailableReason()
if (unavailable !== undefined) console.log(`webgpu tests skipped: ${unavailable}`)

/** Backend-independent inputs: plain arrays from a seeded generator. */
const uniform = (rng: () => number, n: number, scale: number): Float32Array =>
  Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale)

const rng = seedrandom('typegrad-webgpu')
const X = uniform(rng, 2 * 12 * 12 * 3, 1) // [2,12,12,3] images
const K = uniform(rng, 3 * 3 * 3 * 4, 0.5) // [3,3,3,4] conv kernel
const W = uniform(rng, 6 * 6 * 4 * 10, 0.2) // [144,10] dense weights
const T = Float32Array.from({ length: 20 }, (_, i) => (i % 10 === (i < 10 ? 3 : 7) ? 1 : 0)) // one-hot targets

interface Outputs {
  readonly probs: Float32Array
  readonly gradX: Float32Array
}

/**
 * conv2d -> sigmoid -> avgPool -> matMul -> softmax, plus d(cross-entropy)/d(input). The gradient is
 * taken w.r.t. the input because tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel.
 */
async function runGraph(backend: BackendName): Promise<Outputs> {
  const selected = await selectBackend(backend)()
  if (E.isLeft(selected)) throw new Error(selected.left.message)
  expect(tf.getBackend()).toBe(backend)
  const x = tf.tensor4d(X, [2, 12, 12, 3])
  const w = tf.tensor2d(W, [144, 10])
  const t = tf.tensor2d(T, [2, 10])
  const k = tf.tensor4d(K, [3, 3, 3, 4])
  const forward = (input: tf.Tensor4D): tf.Tensor => {
    const h = tf.avgPool(tf.sigmoid(tf.conv2d(input, k, 1, 'same')), 2, 2, 'valid')
    return tf.softmax(tf.matMul(tf.reshape(h, [2, 144]), w))
  }
  const probs = forward(x)
  const gradX = tf.grad((xx: tf.Tensor) => tf.neg(tf.sum(tf.mul(t, tf.log(forward(xx as tf.Tensor4D))))))(x)
  // Always `await data()`: webgpu's dataSync would block on a buffer map that needs the event loop.
  const out = { probs: await probs.data<'float32'>(), gradX: await gradX.data<'float32'>() }
  tf.dispose([x, w, t, k, probs, gradX])
  return out
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)

describe('webgpu backend', () => {
  afterAll(() => releaseWebGpu())

  it.skipIf(unavailable !== undefined)('matches wasm on conv2d/sigmoid/avgPool/matMul/softmax and its gradient', async () => {
    const reference = await runGraph('wasm')
    const gpu = await runGraph('webgpu')
    const probsErr = maxAbsDiff(gpu.probs, reference.probs)
    const gradErr = maxAbsDiff(gpu.gradX, reference.gradX)
    console.log(`webgpu vs wasm max |diff|: softmax ${probsErr.toExponential(2)}, d/dinput ${gradErr.toExponential(2)}`)
    expect(gpu.probs.length).toBe(20)
    expect(gpu.gradX.length).toBe(X.length)
    expect(reference.gradX.some((v) => v !== 0)).toBe(true)
    expect(probsErr).toBeLessThan(1e-4)
    expect(gradErr).toBeLessThan(1e-3)
  })

  it.skipIf(unavailable !== undefined)('describes the adapter and survives switching backends', async () => {
    const first = await selectBackend('webgpu')()
    if (E.isLeft(first)) throw new Error(first.left.message)
    expect(first.right.device).toMatch(/^webgpu \(.+\)$/)
    console.log(`webgpu device: ${first.right.device}`)
    expect(E.isRight(await selectBackend('cpu')())).toBe(true)
    const again = await selectBackend('webgpu')()
    expect(E.isRight(again)).toBe(true)
    const y = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([10, 20]))
    expect(Array.from(await y.data())).toEqual([11, 22])
  })
})

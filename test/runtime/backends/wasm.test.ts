import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { initWasm } from '../../../src/runtime/backends/wasm.js'

describe('initWasm', () => {
  it('starts the threaded SIMD build in Node and computes correctly with it', async () => {
    const info = await initWasm({ threads: 2 })
    expect(info).toEqual({ threads: 2, simd: true })
    expect(await initWasm({ threads: 1 })).toBe(info) // idempotent: first call wins
    expect(tf.getBackend()).toBe('wasm')
    // large enough for XNNPACK to split the work over the pool
    const a = tf.div(tf.reshape(tf.range(0, 256 * 64), [256, 64]), 1000) as tf.Tensor2D
    const b = tf.ones([64, 32])
    const got = await tf.matMul(a, b as tf.Tensor2D).data()
    const row = 255
    const want = Array.from({ length: 64 }, (_, k) => (row * 64 + k) / 1000).reduce((s, v) => s + v, 0)
    expect(got[row * 32 + 5]).toBeCloseTo(want, 3)
  })
})

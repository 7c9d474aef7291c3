import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { describe, expect, it } from 'vitest'
import { registerGradients } from '../../../src/runtime/backends/gradients.js'

describe('registerGradients', () => {
  it('makes tf.grad work for ops whose gradients live outside tf-core.node.js', async () => {
    expect(tf.getGradient('Sigmoid')).toBeUndefined()
    await registerGradients()
    await registerGradients() // idempotent
    await tf.setBackend('cpu')
    const x = tf.tensor1d([-1, 0, 2])
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.sigmoid(t)))(x)
    const xs = await x.data()
    const expected = Array.from(xs, (v) => {
      const s = 1 / (1 + Math.exp(-v))
      return s * (1 - s)
    })
    const got = Array.from(await g.data())
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6))
  })
})

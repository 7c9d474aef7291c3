import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { initLeNet, PARAM_NAMES } from '../../../bench/lenet/params.js'
import { lenetLossAndGrads, lenetStep } from '../../../bench/lenet/handwritten-step.js'
import { tapeLossAndGrads } from '../../../bench/lenet/tape-step.js'
import { registerConv2dBackpropFilter } from '../../../src/runtime/kernels/conv2d-backprop-filter.js'
import { BACKENDS, expectClose, useBackend } from './support.js'

const batch = (b: number) => ({
  x: tf.randomUniform([b, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D,
  y: tf.tensor1d(Array.from({ length: b }, (_, i) => (i * 7) % 10), 'int32'),
})

describe.each(BACKENDS)('hand-written LeNet step on %s', (backend) => {
  it("matches the tape's loss and gradients", async () => {
    await useBackend(backend)
    registerConv2dBackpropFilter('wasm')
    const p = initLeNet(3)
    const { x, y } = batch(8)
    const mine = lenetLossAndGrads(p, x, y)
    const tape = tapeLossAndGrads(p, x, y)
    expectClose(await mine.loss.data(), await tape.loss.data(), 1e-5)
    for (const name of PARAM_NAMES) expectClose(await mine.grads[name].data(), await tape.grads[name].data(), 1e-3)
  })

  it('decreases the loss on a fixed batch over 50 steps', async () => {
    await useBackend(backend)
    const p = initLeNet(4)
    const { x, y } = batch(8)
    const losses: number[] = []
    for (let i = 0; i < 50; i++) {
      const loss = lenetStep(p, x, y, 0.9)
      losses.push((await loss.data())[0])
      loss.dispose()
    }
    expect(losses.every(Number.isFinite)).toBe(true)
    // sigmoid LeNet leaves its ~ln(10) plateau slowly: ask for a clear, sustained decrease
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(losses.slice(40))).toBeLessThan(mean(losses.slice(0, 10)) - 0.02)
    expect(losses[49]).toBeLessThan(losses[0])
  })
})

/**
 * The benchmark's hand-written LeNet step (handwritten-step.ts, built from src/ops/kernels) agrees with
 * tfjs's tape and trains; it lives beside the code it tests, and runs with the test suite.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { registerConv2dBackpropFilter } from '../../src/runtime/kernels/conv2d-backprop-filter.js'
import { BACKENDS, useBackend } from '../../test/support/backends.js'
import { expectClose } from '../../test/ops/kernels/support.js'
import { lenetLossAndGrads, lenetStep } from './handwritten-step.js'
import { initLeNet, PARAM_NAMES } from './params.js'
import { tapeLossAndGrads } from './tape-step.js'

const batch = (b: number) => ({
  x: tf.randomUniform([b, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D,
  y: tf.tensor1d(Array.from({ length: b }, (_, i) => (i * 7) % 10), 'int32'),
})

describe.each(BACKENDS)('hand-written LeNet step on %s', (backend) => {
  it("matches the tape's loss and gradients", async () => {
    await useBackend(backend, { gradients: true })
    registerConv2dBackpropFilter('wasm')
    const p = initLeNet(3)
    const { x, y } = batch(8)
    const mine = lenetLossAndGrads(p, x, y)
    const tape = tapeLossAndGrads(p, x, y)
    expectClose(await mine.loss.data(), await tape.loss.data(), 1e-5)
    for (const name of PARAM_NAMES) expectClose(await mine.grads[name].data(), await tape.grads[name].data(), 1e-3)
  })

  it('decreases the loss on a fixed batch over 50 steps', async () => {
    await useBackend(backend, { gradients: true })
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

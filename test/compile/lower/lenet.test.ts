/**
 * LeNet through the lowering: the forward graph and the gradient graph (loss, grads w.r.t. every param),
 * unoptimized and optimized for the backend, lowered on cpu and wasm, equal the reference interpreter
 * (run on cpu on the unoptimized graph). The same lowered function also serves a smaller last batch.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { fusedActivations, lower } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { opCounts } from '../../../src/compile/print.js'
import { input, intInput } from '../../../src/dsl/expr.js'
import { mk } from '../../../src/dsl/node.js'
import { lenet } from '../../../examples/lenet.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'
import { reference, runLowered } from './support.js'

const logits = lenet(input('x', ['N', 1, 28, 28])).node
const labels = intInput('y', ['N']).node
const loss = mk('softmaxCrossEntropy', [logits, labels], {})
const params = graphOf([logits]).params
const gradients = [loss, mk('correctCount', [logits, labels], {}), ...grad(loss, params)]

describe.each(BACKENDS)('LeNet lowered on %s equals the interpreter', (backend) => {
  const optimized = (roots: typeof gradients) => optimize(roots, { fusion: { activations: fusedActivations(backend) } })

  it('forward, unoptimized and optimized', async () => {
    const h = hostFeeds([logits], 3, 1, 10)
    const want = await reference([logits], h)
    await useBackend(backend)
    expectOutputsClose(runLowered([logits], h), want, 'unoptimized forward')
    const opt = optimized([logits])
    expect(opCounts(opt).fusedConv2d).toBe(2)
    expectOutputsClose(runLowered(opt, h), want, 'optimized forward')
  })

  it('loss, correct count and gradients of every param, unoptimized and optimized', async () => {
    const h = hostFeeds(gradients, 4, 2, 10)
    const want = await reference(gradients, h)
    await useBackend(backend)
    expectOutputsClose(runLowered(gradients, h), want, 'unoptimized gradients')
    expectOutputsClose(runLowered(optimized(gradients), h), want, 'optimized gradients')
  })

  it('binds N per call: one lowered function serves batches of 4 and 3', async () => {
    const [h4, h3] = [hostFeeds(gradients, 4, 3, 10), hostFeeds(gradients, 3, 4, 10)]
    const [w4, w3] = [await reference(gradients, h4), await reference(gradients, h3)]
    await useBackend(backend)
    const f = lower(optimized(gradients), { backend })
    for (const [h, want] of [[h4, w4], [h3, w3], [h4, w4]] as const) {
      const feeds = toTensors(h)
      const outs = f(feeds)
      expectOutputsClose(outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync()) })), want, `batch ${h.inputs.x!.shape[0]}`)
      tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
    }
    f.dispose()
  })
})

/**
 * wasm's multi-node patterns (stated by ops/sigmoid.ts, ops/crossEntropy.ts and ops/conv2d.ts): on LeNet's
 * optimized gradient graph the plan fuses the softmax cross-entropy pair, both dense sigmoid grads with
 * their bias sums, both pooled conv sigmoid grads with their bias sums, and both convs with the average
 * pool after each; the lowered function then never runs the avgPool2dGrad nodes nor a pool on its own,
 * runs fewer steps, and still equals the interpreter. cpu keeps the per-node path.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { fusedActivations, fusionPlan, lower } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { input, intInput } from '../../../src/dsl/expr.js'
import { type Node, mk, topo } from '../../../src/dsl/node.js'
import { lenet } from '../../../examples/lenet.js'
import { useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'
import { reference } from './support.js'

const logits = lenet(input('x', ['N', 1, 28, 28])).node
const labels = intInput('y', ['N']).node
const params = graphOf([logits]).params

/** loss * scale, its correct count and gradients, optimized for `backend`. */
const gradGraph = (backend: string, scale = 1): Node[] => {
  const ce = mk('softmaxCrossEntropy', [logits, labels], {})
  const loss = scale === 1 ? ce : mk('mul', [ce, mk('fill', [], { value: scale }, [])], {})
  const roots = [loss, mk('correctCount', [logits, labels], {}), ...grad(loss, params)]
  return optimize(roots, { fusion: { activations: fusedActivations(backend) } })
}

/** Runs `lower(graph)` on the active backend, counting the ops run by name. */
const runCounting = (graph: readonly Node[], h: ReturnType<typeof hostFeeds>) => {
  const ran: string[] = []
  const f = lower(graph, { backend: tf.getBackend(), profile: (n) => ran.push(n.op) })
  const feeds = toTensors(h)
  const outs = f(feeds)
  const got = outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync()) }))
  tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
  f.dispose()
  return { got, ran, plan: f.fusion }
}

describe('fused gradient patterns', () => {
  it('the LeNet gradient graph gets the seven fused calls on wasm, none on cpu', () => {
    const plan = fusionPlan(gradGraph('wasm'), 'wasm')
    expect(plan.calls.map((c) => c.pattern).sort()).toEqual(['convThenPool', 'convThenPool', 'pooledSigmoidGrad', 'pooledSigmoidGrad', 'sigmoidGradWithBias', 'sigmoidGradWithBias', 'softmaxCrossEntropy'])
    // the pool grads are never materialized; the filter grads read the fused sigmoid grads (their own SIMD kernel)
    expect(plan.calls.flatMap((c) => c.dead.map((d) => d.op)).sort()).toEqual(['avgPool2dGrad', 'avgPool2dGrad'])
    expect(plan.calls.flatMap((c) => c.outputs.map((o) => o.op))).not.toContain('conv2dFilterGrad')
    expect(fusionPlan(gradGraph('cpu'), 'cpu').calls).toEqual([])
  })

  it.each([1, 3])('on wasm the fused step runs fewer ops and equals the interpreter (loss scaled by %d)', async (scale) => {
    const graph = gradGraph('wasm', scale)
    const h = hostFeeds(graph, 4, 5, 10)
    const want = await reference(graph, h)
    await useBackend('wasm')
    const { got, ran, plan } = runCounting(graph, h)
    expectOutputsClose(got, want, `fused wasm, scale ${scale}`)
    expect(plan.calls.length).toBe(7)
    expect(ran).not.toContain('avgPool2d')
    expect(ran).not.toContain('avgPool2dGrad')
    expect(ran).not.toContain('softmaxCrossEntropyGrad')
    const nodes = topo(graph).length
    const computed = nodes - plan.calls.reduce((k, c) => k + c.outputs.length - 1 + c.dead.length, 0)
    expect(ran.length).toBe(computed)
    expect(ran.length).toBeLessThan(nodes)
  })

  it('on cpu every node runs its own lowering', async () => {
    const graph = gradGraph('cpu')
    const h = hostFeeds(graph, 3, 6, 10)
    const want = await reference(graph, h)
    await useBackend('cpu')
    const { got, ran } = runCounting(graph, h)
    expectOutputsClose(got, want, 'cpu')
    expect(ran.length).toBe(topo(graph).length)
    expect(ran).toContain('avgPool2dGrad')
  })

  it('an overlapping or uneven pool keeps the per-node path and still equals the interpreter', async () => {
    const x = input('x', ['N', 9, 9, 4])
    const y = mk('sigmoid', [x.node], {})
    const pooled = mk('avgPool2d', [y], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NHWC' })
    const total = mk('sum', [mk('square', [pooled], {})], { axes: [0, 1, 2, 3], keepDims: false })
    const graph = optimize([total, ...grad(total, [x.node])])
    expect(fusionPlan(graph, 'wasm').calls.map((c) => c.pattern)).not.toContain('pooledSigmoidGrad')
    const h = hostFeeds(graph, 2, 7)
    const want = await reference(graph, h)
    await useBackend('wasm')
    expectOutputsClose(runCounting(graph, h).got, want, 'uneven pool on wasm')
  })

  it("batch norm's three gradients of one x, gamma and dy run as one call on wasm, equal to the interpreter", async () => {
    const x = input('x', ['N', 5, 5, 7])
    const gamma = mk('param', [], { name: 'gamma', init: 'ones', fanIn: 7, fanOut: 7 }, [7])
    const beta = mk('param', [], { name: 'beta', init: 'zeros', fanIn: 7, fanOut: 7 }, [7])
    const y = mk('batchNorm', [x.node, gamma, beta], { axis: 3, eps: 1e-3 })
    const total = mk('sum', [mk('square', [mk('sigmoid', [y], {})], {})], { axes: [0, 1, 2, 3], keepDims: false })
    const graph = optimize([total, ...grad(total, [x.node, gamma, beta])])
    const plan = fusionPlan(graph, 'wasm')
    const call = plan.calls.find((c) => c.pattern === 'batchNormGrads')
    expect(call?.outputs.map((o) => (o as Node<'batchNormGrad'>).attrs.which).sort()).toEqual(['beta', 'gamma', 'x'])
    expect(fusionPlan(graph, 'cpu').calls).toEqual([])
    const h = hostFeeds(graph, 6, 3)
    const want = await reference(graph, h)
    await useBackend('wasm')
    const { got, ran } = runCounting(graph, h)
    expectOutputsClose(got, want, 'batch norm gradients on wasm')
    expect(ran.filter((op) => op === 'batchNormGrad')).toHaveLength(1)
  })
})

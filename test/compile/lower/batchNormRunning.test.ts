/**
 * Batch norm as PyTorch trains it: the step updates running mean / unbiased variance (momentum 0.1) like a
 * host computation, evaluate normalizes with them (not with the batch), the running statistics are not
 * trainable; and the wasm lowerings of batch norm (both forms), channelStat and maxPool2dGrad (overlapping,
 * padded, all-negative windows) agree with the reference interpreter.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { compileTraining } from '../../../src/compile/train.js'
import { input, intInput } from '../../../src/dsl/expr.js'
import { batchNorm2d } from '../../../src/dsl/layers/batchNorm.js'
import { linear } from '../../../src/dsl/layers/linear.js'
import { flatten } from '../../../src/dsl/layers/structure.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import { sgd } from '../../../src/dsl/optim/index.js'
import { key, uniform } from '../../../src/dsl/random.js'
import { sequential } from '../../../src/dsl/sequential.js'
import { flattenParams } from '../../../src/runtime/train/model.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { type HostFeeds, hostFeeds } from '../../support/feeds.js'
import { reference, runLowered } from './support.js'

const C = 2
const model = sequential(['N', C, 3, 3], batchNorm2d(C), flatten(), linear(18, 4)) // C * 3 * 3 features
const logits = model(input('x', ['N', C, 3, 3])).node
const labels = intInput('y', ['N']).node
const initial = flattenParams(model.init(key(3)))

/** A batch [n, C, 3, 3] with channel k drawn from [shift + k, shift + k + 2 * (k + 1)), and labels. */
const batch = (n: number, seed: number, shift = 0) => {
  const u = uniform(key(seed), n * C * 9)
  const data = new Float32Array(u.length)
  for (let i = 0; i < u.length; i++) {
    const k = Math.floor(i / 9) % C
    data[i] = shift + k + u[i]! * 2 * (k + 1)
  }
  return { data, x: tf.tensor(data, [n, C, 3, 3]), y: tf.tensor(Int32Array.from({ length: n }, (_, i) => i % 4), [n], 'int32') }
}

/** Per-channel mean and unbiased variance of NCHW data, in float64. */
const hostStats = (data: Float32Array, n: number): { mean: number[]; unbiasedVar: number[] } => {
  const mean: number[] = []
  const unbiasedVar: number[] = []
  for (let k = 0; k < C; k++) {
    const vs: number[] = []
    for (let b = 0; b < n; b++) for (let j = 0; j < 9; j++) vs.push(data[(b * C + k) * 9 + j]!)
    const m = vs.reduce((a, v) => a + v, 0) / vs.length
    mean.push(m)
    unbiasedVar.push(vs.reduce((a, v) => a + (v - m) ** 2, 0) / (vs.length - 1))
  }
  return { mean, unbiasedVar }
}

const toHost = (h: Record<string, { shape: readonly (number | string)[]; data: Float32Array }>): HostFeeds['params'] =>
  Object.fromEntries(Object.entries(h).map(([k, t]) => [k, { shape: [...(t.shape as number[])], dtype: 'float32' as const, data: t.data }]))

describe('batchNorm2d buffers', () => {
  it('are non-trainable param leaves initialised to 0 and 1, outside the summary count', () => {
    const leaves = graphOf([logits]).params
    const buffers = leaves.filter((p) => p.attrs.trainable === false).map((p) => p.attrs.name)
    expect(buffers).toEqual(['0.runningMean', '0.runningVar'])
    expect([...initial['0.runningMean']!.data]).toEqual([0, 0])
    expect([...initial['0.runningVar']!.data]).toEqual([1, 1])
    const rows = model.summary()
    expect(rows._tag === 'Right' && rows.right[0]!.params).toBe(2 * C)
  })
})

describe.each(BACKENDS)('compileTraining with batch norm on %s', (backend) => {
  it('updates the running statistics like PyTorch and evaluates with them', async () => {
    await useBackend(backend)
    const program = compileTraining({ logits, labels, optimizer: sgd(0.1), params: initial }, { backend })
    let mean = [0, 0]
    let variance = [1, 1]
    const n = 6
    for (let s = 0; s < 3; s++) {
      const b = batch(n, 10 + s)
      const st = hostStats(b.data, n)
      mean = mean.map((m, k) => 0.9 * m + 0.1 * st.mean[k]!)
      variance = variance.map((v, k) => 0.9 * v + 0.1 * st.unbiasedVar[k]!)
      tf.dispose(Object.values(program.step(b.x, b.y)))
      tf.dispose([b.x, b.y])
    }
    const state = await program.read()
    expect(Object.keys(state.state).some((k) => k.startsWith('0.running'))).toBe(false) // the optimizer has no slots for them
    expectOutputsClose(
      [{ shape: [C], data: state.params['0.runningMean']!.data }, { shape: [C], data: state.params['0.runningVar']!.data }],
      [{ shape: [C], data: Float32Array.from(mean) }, { shape: [C], data: Float32Array.from(variance) }],
      'running mean, running var',
      1e-5,
      1e-6,
    )

    // evaluate: inference form over the buffers; on a shifted batch it differs from batch statistics
    const shifted = batch(n, 20, 3)
    const h: HostFeeds = { inputs: { x: { shape: [n, C, 3, 3], dtype: 'float32', data: shifted.data }, y: { shape: [n], dtype: 'int32', data: Int32Array.from({ length: n }, (_, i) => i % 4) } }, params: toHost(state.params) }
    const lossOf = (out: Node) => mk('mul', [mk('softmaxCrossEntropy', [out, labels], {}), mk('fill', [], { value: n }, [], 'float32')], {})
    const inferenceGraph = inferenceLogits(logits)
    const [wantInfer, wantBatch] = await reference([lossOf(inferenceGraph), lossOf(logits)], h)
    const m = program.evaluate(shifted.x, shifted.y)
    const got = (await m.lossSum.data())[0]!
    tf.dispose([m.lossSum, m.correct, shifted.x, shifted.y])
    expect(got).toBeCloseTo(wantInfer!.data[0]!, 3)
    expect(Math.abs(got - wantBatch!.data[0]!)).toBeGreaterThan(0.05)

    // load round-trips the buffers
    program.load({ ...state, params: { ...state.params, '0.runningMean': { shape: [C], data: new Float32Array([1, 2]) } } })
    expect([...(await program.read()).params['0.runningMean']!.data]).toEqual([1, 2])
    program.dispose()
  })
})

/** The same model with its batch norm in inference form over the buffers (built by hand). */
const inferenceLogits = (out: Node): Node => {
  const rebuildUp = (n: Node): Node =>
    n.op === 'batchNorm' ? mk('batchNormInfer', n.inputs, { axis: 1, eps: 1e-5 }) : n.inputs.length === 0 ? n : mk(n.op, n.inputs.map(rebuildUp), n.attrs as never)
  return rebuildUp(out)
}

describe.each(BACKENDS)('lowered batch norm pieces on %s', (backend) => {
  const p = (name: string, shape: (number | string)[]) => mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape, 'float32')
  const x = p('x', [5, 4, 3, 3])
  const ch = (name: string) => p(name, [4])

  it('batchNormInfer, channelStat and batchNorm gradients in NHWC equal the interpreter', async () => {
    await useBackend(backend)
    // the layout pass is not run here: transposes to NHWC make the channel axis last, as after it
    const nhwc = mk('transpose', [x], { perm: [0, 2, 3, 1] })
    const g = ch('g')
    const b = ch('b')
    const infer = mk('batchNormInfer', [nhwc, g, b, ch('m'), mk('add', [mk('square', [ch('v')], {}), mk('fill', [], { value: 0.1 }, [4], 'float32')], {})], { axis: 3, eps: 1e-5 })
    const train = mk('batchNorm', [nhwc, g, b], { axis: 3, eps: 1e-5 })
    const weights = p('w', [5, 3, 3, 4])
    const loss = mk('sum', [mk('mul', [mk('relu', [train], {}), weights], {})], { axes: [0, 1, 2, 3], keepDims: false })
    const roots = [infer, mk('channelStat', [nhwc], { axis: 3, stat: 'mean' }), mk('channelStat', [nhwc], { axis: 3, stat: 'unbiasedVar' }), ...grad(loss, [x, g, b] as Node<'param'>[])]
    const h = hostFeeds(roots, 5, 7)
    expectOutputsClose(runLowered(roots, h), await reference(roots, h), backend)
  })

  it('maxPool2dGrad with overlapping, padded, all-negative windows equals the interpreter (first maximum wins)', async () => {
    await useBackend(backend)
    const img = p('img', [2, 3, 7, 6])
    // all-negative values with ties: floor to a coarse grid so equal maxima occur
    const neg = mk('neg', [mk('add', [mk('square', [img], {}), mk('fill', [], { value: 0.5 }, [2, 3, 7, 6], 'float32')], {})], {})
    const pooled = mk('maxPool2d', [neg], { kernel: [3, 3], strides: [2, 2], pad: [1, 1, 0, 1], layout: 'NCHW' })
    const w = p('w2', pooled.shape as number[])
    const loss = mk('sum', [mk('mul', [pooled, w], {})], { axes: [0, 1, 2, 3], keepDims: false })
    const roots = [pooled, ...grad(loss, [img] as Node<'param'>[])]
    const h = hostFeeds(roots, 2, 9)
    // ties: repeat each image value over pairs of columns
    const d = h.params['img']!.data as Float32Array
    for (let i = 1; i < d.length; i += 2) d[i] = d[i - 1]!
    expectOutputsClose(runLowered(roots, h), await reference(roots, h), backend, 1e-5, 1e-6)
  })
})

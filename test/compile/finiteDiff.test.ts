/**
 * Finite-difference checks, independent of tfjs's gradients: for random small graphs and for the image
 * ops, the directional derivative (L(p + eps v) - L(p - eps v)) / 2 eps of the interpreted loss must
 * match <grad L, v> from autodiff. float32 with eps = 1e-2 on well-conditioned inputs.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { type Node, mk } from '../../src/dsl/node.js'
import type { Op, Pad4 } from '../../src/dsl/ops.js'
import { leaf, rand, useCpu, weightedSum } from './support.js'

beforeAll(useCpu)

const EPS = 1e-2

/** Compares the central difference of the loss along a random direction with the autodiff gradient. */
const checkDirectional = (leaves: Node[], values: tf.Tensor[], out: Node, seed: number, inputs: Record<string, tf.Tensor> = {}): void =>
  tf.tidy(() => {
    const loss = weightedSum(out)
    const grads = grad(loss, leaves)
    const w = rand(out.shape as number[], seed + 1)
    const dirs = values.map((v, i) => rand(v.shape, seed + 10 + i))
    const lossAt = (t: number) =>
      interpret([loss], { inputs: { w, ...inputs }, params: Object.fromEntries(leaves.map((l, i) => [(l.attrs as { name: string }).name, tf.add(values[i]!, tf.mul(dirs[i]!, t))])) })[0]!.dataSync()[0]!
    const fd = (lossAt(EPS) - lossAt(-EPS)) / (2 * EPS)
    const gs = interpret(grads, { inputs: { w, ...inputs }, params: Object.fromEntries(leaves.map((l, i) => [(l.attrs as { name: string }).name, values[i]!])) })
    const analytic = gs.reduce((acc, g, i) => acc + tf.sum(tf.mul(g, dirs[i]!)).dataSync()[0]!, 0)
    expect(Math.abs(fd - analytic), `fd ${fd} vs autodiff ${analytic}`).toBeLessThanOrEqual(3e-3 + 2e-2 * Math.abs(analytic))
  })

// Composite steps that keep values well-conditioned (bounded, away from singularities and kinks).
const unarySteps: Record<string, (x: Node) => Node> = {
  neg: (x) => mk('neg', [x], {}),
  sigmoid: (x) => mk('sigmoid', [x], {}),
  tanh: (x) => mk('tanh', [x], {}),
  expTanh: (x) => mk('exp', [mk('tanh', [x], {})], {}),
  squareTanh: (x) => mk('square', [mk('tanh', [x], {})], {}),
  logSigmoid: (x) => mk('log', [mk('sigmoid', [x], {})], {}),
  softNorm: (x) => mk('sqrt', [mk('add', [mk('square', [x], {}), mk('fill', [], { value: 1 }, [], 'float32')], {})], {}),
  softmax: (x) => mk('softmax', [x], { axis: -1 }),
  logSoftmax: (x) => mk('logSoftmax', [x], { axis: -1 }),
  sumRows: (x) => mk('sum', [x], { axes: [-1], keepDims: true }),
  meanCols: (x) => mk('mean', [x], { axes: [0], keepDims: false }),
  maxRows: (x) => mk('max', [x], { axes: [-1], keepDims: true }),
  transposeBack: (x) => (x.shape.length === 2 ? mk('transpose', [mk('transpose', [x], { perm: [1, 0] })], { perm: [1, 0] }) : x),
}
const binarySteps: Record<string, (a: Node, b: Node) => Node> = {
  add: (a, b) => mk('add', [a, b], {}),
  sub: (a, b) => mk('sub', [a, b], {}),
  mul: (a, b) => mk('mul', [a, b], {}),
  safeDiv: (a, b) => mk('div', [a, mk('add', [mk('exp', [mk('tanh', [b], {})], {}), mk('fill', [], { value: 1 }, [], 'float32')], {})], {}),
}
const step = fc.oneof(
  fc.record({ f: fc.constantFrom(...Object.keys(unarySteps)), a: fc.nat() }),
  fc.record({ f: fc.constantFrom(...Object.keys(binarySteps)), a: fc.nat(), b: fc.nat() }),
)

describe('finite differences', () => {
  it('agree with autodiff on random small graphs (fan-out, broadcasting, reductions)', () => {
    const shapes = [[2, 3], [3], [2, 1]]
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 7 }), fc.nat(1000), (steps, seed) => {
        const leaves = shapes.map((s, i) => leaf(`p${i}`, s))
        const values = shapes.map((s, i) => rand(s, seed + 100 * i, -1.5, 1.5))
        const pool: Node[] = [...leaves]
        for (const s of steps) {
          const a = pool[s.a % pool.length]!
          pool.push('b' in s ? binarySteps[s.f]!(a, pool[s.b % pool.length]!) : unarySteps[s.f]!(a))
        }
        checkDirectional(leaves, values, pool[pool.length - 1]!, seed)
      }),
      { numRuns: 40 },
    )
  })

  const pads = fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)) as fc.Arbitrary<Pad4>
  it('agree with autodiff for strided, dilated, asymmetrically padded convolutions', () => {
    fc.assert(
      fc.property(fc.constantFrom('NCHW', 'NHWC' as const), pads, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.nat(1000), (layout, pad, s, d, seed) => {
        const [xs, fs] = layout === 'NCHW' ? [[2, 2, 6, 5], [3, 2, 2, 3]] : [[2, 6, 5, 2], [2, 3, 2, 3]]
        const leaves = [leaf('x', xs), leaf('f', fs)]
        const y = mk('conv2d', leaves, { strides: [s, 1], pad, dilations: [1, d], layout })
        checkDirectional(leaves, [rand(xs, seed), rand(fs, seed + 1)], y, seed)
      }),
      { numRuns: 15 },
    )
  })

  for (const op of ['avgPool2d', 'maxPool2d'] as const satisfies readonly Op[]) {
    it(`agree with autodiff for padded ${op}`, () => {
      fc.assert(
        fc.property(pads, fc.integer({ min: 1, max: 2 }), fc.nat(1000), (pad, s, seed) => {
          const leaves = [leaf('x', [1, 2, 5, 4])]
          // distinct, well-separated values so max windows do not change winner under the perturbation
          const perm = tf.tensor(Array.from({ length: 40 }, (_, i) => ((i * 17 + seed) % 40) / 8 - 2.5), [1, 2, 5, 4])
          const y = mk(op, leaves, { kernel: [2, 3], strides: [s, s], pad, layout: 'NCHW' })
          checkDirectional(leaves, [perm], y, seed)
        }),
        { numRuns: 15 },
      )
    })
  }

  it('agree with autodiff for batchNorm and cross-entropy', () => {
    fc.assert(
      fc.property(fc.nat(1000), (seed) => {
        const leaves = [leaf('x', [3, 2, 2, 2]), leaf('g', [2]), leaf('b', [2])]
        const bn = mk('batchNorm', leaves, { axis: 1, eps: 1e-3 })
        const labels = mk('input', [], { name: 'y', dtype: 'int32' }, [3], 'int32')
        const logits = mk('reshape', [bn], { shape: [3, 8] })
        const ce = mk('softmaxCrossEntropy', [logits, labels], {})
        const values = [rand([3, 2, 2, 2], seed, -2, 2), rand([2], seed + 1, 0.5, 1.5), rand([2], seed + 2)]
        checkDirectional(leaves, values, ce, seed, { y: tf.tensor1d([seed % 8, 3, 7], 'int32') })
      }),
      { numRuns: 10 },
    )
  })
})

/**
 * F.sum / F.mean / F.max over axes with keepDims: the runtime shape rule and its ShapeError text, the
 * properties (sum over all axes = sum over the axes one by one; keepDims keeps the rank; mean * count =
 * sum), gradients against tfjs's own (max's ties included: every tied element gets the full gradient) and
 * finite differences, the lowering against the interpreter on cpu and wasm, and the ONNX round trip.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { checkGrads, expectClose, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

type Red = 'sum' | 'mean' | 'max'
const tfRed = { sum: tf.sum, mean: tf.mean, max: tf.max } as const

/** A random shape of rank 1..4 (dims 1..4) with a random set of distinct axes, each written positive or negative. */
const shapeAndAxes = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc
      .tuple(fc.subarray(shape.map((_, i) => i)), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.boolean())
      .map(([axes, neg, keepDims]) => ({ shape, axes: axes.map((a) => (neg[a] ? a - shape.length : a)), keepDims })),
  )

const run = (n: Node, x: tf.Tensor): tf.Tensor => interpret([n], { inputs: {}, params: { x } })[0]!

describe('F.sum / F.mean / F.max', () => {
  it('reduce every axis with no axes, and the given axes otherwise', () => {
    const x = input('x', ['N', 10, 4])
    expect(F.sum(x).shape).toEqual([])
    expect(F.sum(x).node.attrs).toEqual({ axes: [0, 1, 2], keepDims: false })
    expect(F.mean(x, [0, -1], true).shape).toEqual([1, 10, 1])
    expect(F.max(x, [-2]).shape).toEqual(['N', 4])
    expect(F.max(x, undefined, true).shape).toEqual([1, 1, 1])
  })

  it('throw the type-level ShapeError text for an axis out of range', () => {
    const x = input('x', ['N', 10, 4])
    expect(() => (F.sum as (...a: unknown[]) => unknown)(x, [3])).toThrow('ShapeError: sum axes [3] out of range for [N, 10, 4]')
    expect(() => (F.max as (...a: unknown[]) => unknown)(x, [-4, 0], true)).toThrow('ShapeError: max axes [-4, 0] out of range for [N, 10, 4]')
  })

  it('sum over all axes equals the sum over the axes one by one; keepDims keeps the rank; mean * count = sum', async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeAndAxes, fc.integer({ min: 1, max: 1000 }), ({ shape, axes, keepDims }, seed) => {
        tf.tidy(() => {
          const p = leaf('x', shape)
          const x = rand(shape, seed)
          const all = run(mk('sum', [p], { axes: shape.map((_, i) => i), keepDims: false }), x)
          let step = p
          for (let k = shape.length - 1; k >= 0; k--) step = mk('sum', [step], { axes: [k], keepDims: false })
          expectClose(run(step, x), all, 1e-4, 1e-4, 'one by one')
          const s = mk('sum', [p], { axes, keepDims })
          const m = mk('mean', [p], { axes, keepDims })
          if (keepDims) expect(s.shape.length).toBe(shape.length)
          const count = axes.reduce((c, a) => c * shape[a < 0 ? a + shape.length : a]!, 1)
          expectClose(tf.mul(run(m, x), count), run(s, x), 1e-4, 1e-4, 'mean * count')
          for (const op of ['sum', 'mean', 'max'] as const) expectClose(run(mk(op, [p], { axes, keepDims }), x), tfRed[op](x, axes, keepDims), 1e-4, 1e-5, op)
        })
      }),
      { numRuns: 40 },
    )
  })

  it("have tfjs's gradients over random shapes and axes", async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeAndAxes, fc.constantFrom<Red>('sum', 'mean', 'max'), ({ shape, axes, keepDims }, op) => {
        checkGrads([{ shape, value: rand(shape, 3) }], ([p]) => mk(op, [p!], { axes, keepDims }), ([x]) => tfRed[op](x!, axes, keepDims))
      }),
      { numRuns: 30 },
    )
  })

  it("max gives every tied element the full gradient, as tfjs does", async () => {
    await useCpu()
    const value = tf.tensor2d([3, 1, 3, 2, 2, 2, 0, 5, 5], [3, 3])
    checkGrads([{ shape: [3, 3], value }], ([p]) => mk('max', [p!], { axes: [-1], keepDims: false }), ([x]) => tf.max(x!, -1))
    const p = leaf('x', [3, 3])
    const [dx] = grad(mk('max', [p], { axes: [1], keepDims: false }), [p])
    // grad of a non-scalar root seeds ones
    expect(Array.from(interpret([dx!], { inputs: {}, params: { x: value } })[0]!.dataSync())).toEqual([1, 0, 1, 1, 1, 1, 0, 1, 1])
  })

  it('have the gradients finite differences give (max away from ties)', async () => {
    await useCpu()
    const shape = [3, 4, 2]
    const v = Float32Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) / 5 - 2)
    const w = rand([4], 11)
    for (const op of ['sum', 'mean', 'max'] as const) {
      const p = leaf('x', shape)
      const f = weightedSum(mk(op, [p], { axes: [0, -1], keepDims: false }))
      const [dx] = grad(f, [p])
      expectCentralDifferences({ f, dx: dx!, x: 'x', shape, v, inputs: { w }, stride: 5 })
    }
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, over leading, trailing and mixed axes', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 4, 5], 'float32')
      const w = mk('param', [], { name: 'w', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [3, 4, 5], 'float32')
      const h = mk('mul', [x, w], {})
      const outs = [
        mk('sum', [h], { axes: [0, 1], keepDims: false }),
        mk('mean', [h], { axes: [0, 1, 2], keepDims: true }),
        mk('max', [h], { axes: [-1], keepDims: false }),
        mk('sum', [h], { axes: [1, -1], keepDims: true }),
        mk('mean', [h], { axes: [-3], keepDims: false }),
      ]
      const all = (n: Node): Node => mk('mean', [n], { axes: n.shape.map((_, i) => i), keepDims: false })
      const loss = outs.map((o) => all(mk('square', [o], {}))).reduce((a: Node, b: Node): Node => mk('add', [a, b], {}))
      const roots = [...outs, loss, ...grad(loss, [x, w])]
      const feeds = hostFeeds(roots, 2)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const x = input('x', ['N', 3, 4])
    for (const out of [F.sum(x, [1]).node, F.mean(x, [0, -1], true).node, F.max(x, [-1]).node]) {
      const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4], 5))
      expect(diff).toBeLessThan(1e-4)
    }
  })
})

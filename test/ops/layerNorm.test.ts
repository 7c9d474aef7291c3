/**
 * F.layerNorm and the layer layerNorm(dim) (PyTorch's F.layer_norm / nn.LayerNorm): types and runtime with
 * the same ShapeError texts, mean 0 / variance 1 over the normalized dims, gradients for x, gamma and beta
 * against tfjs's own over random shapes and trailing-dim counts and against finite differences, the
 * lowering against the interpreter on cpu and wasm, and the ONNX round trip.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { layerNorm, sequential, linear } from '../../src/dsl/index.js'
import { layerNormNode } from '../../src/dsl/layers/layerNorm.js'
import { type Node, mk } from '../../src/dsl/node.js'
import type { Apply, LayerNormFn, LayerNormOut } from '../../src/types/index.js'
import { checkGrads, expectClose, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, randomParams, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

/** tfjs's layer norm over the last k dims (biased variance), the reference. */
const tfLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, k: number, eps = 1e-5): tf.Tensor => {
  const axes = Array.from({ length: k }, (_, i) => x.rank - k + i)
  const { mean, variance } = tf.moments(x, axes, true)
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b)
}

/** A random shape of rank 1..4 (dims 1..4, the normalized ones at least 2 in total) with a count k of trailing dims. */
const shapeAndK = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 1, max: shape.length })))
  .filter(([shape, k]) => shape.slice(shape.length - k).reduce((a, b) => a * b, 1) >= 2)

describe('F.layerNorm', () => {
  const x = input('x', ['N', 16, 8])
  const g = input('g', [8])
  const g2 = input('g2', [16, 8])

  it('is X -> X over the trailing dims gamma names; a mismatch is the ShapeError at gamma or beta, the same at run time', () => {
    expectTypeOf(F.layerNorm(x, g, input('b', [8]))).toEqualTypeOf<Expr<readonly ['N', 16, 8], 'float32'>>()
    expectTypeOf(F.layerNorm(x, g2, input('b2', [16, 8]), { eps: 1e-6 })).toEqualTypeOf<Expr<readonly ['N', 16, 8], 'float32'>>()
    expectTypeOf<LayerNormOut<['N', 16, 8], [4]>>().toEqualTypeOf<'ShapeError: layerNorm expects normalized shape [4] at the end of [N, 16, 8]'>()
    // type-only: not called
    void (() => {
      // @ts-expect-error -- 'ShapeError: layerNorm expects normalized shape [4] at the end of [N, 16, 8]'
      F.layerNorm(x, input('g4', [4]), input('b4', [4]))
      // @ts-expect-error -- 'ShapeError: layerNorm expects beta [8] but got [4]'
      F.layerNorm(x, g, input('b4', [4]))
    })
    const any = F.layerNorm as (...a: unknown[]) => unknown
    expect(() => any(x, input('g4', [4]), input('b4', [4]))).toThrow('ShapeError: layerNorm expects normalized shape [4] at the end of [N, 16, 8]')
    expect(() => any(x, g, input('b4', [4]))).toThrow('ShapeError: layerNorm expects beta [8] but got [4]')
    expect(F.layerNorm(x, g2, input('b2', [16, 8])).shape).toEqual(['N', 16, 8])
  })

  it('the layer layerNorm(dim): gamma ones [dim], beta zeros [dim]; the last dim must be dim, in the types and at run time', () => {
    expectTypeOf<Apply<LayerNormFn<8>, ['N', 16, 8]>>().toEqualTypeOf<['N', 16, 8]>()
    expectTypeOf<Apply<LayerNormFn<8>, ['N', 4]>>().toEqualTypeOf<'ShapeError: layerNorm expects last dim 8 but got 4'>()
    expectTypeOf<Apply<LayerNormFn<8>, []>>().toEqualTypeOf<'ShapeError: layerNorm expects an input [..., 8] but got []'>()
    expectTypeOf(sequential(['N', 10], linear(10, 8), layerNorm(8))._out).toEqualTypeOf<readonly ['N', 8] | undefined>()
    const l = layerNorm(8)
    expect(l.params.gamma).toMatchObject({ shape: [8], init: 'ones' })
    expect(l.params.beta).toMatchObject({ shape: [8], init: 'zeros' })
    const bad = l.outShape(['N', 4])
    expect(bad._tag === 'Left' && bad.left.message).toBe('ShapeError: layerNorm expects last dim 8 but got 4')
    const empty = l.outShape([])
    expect(empty._tag === 'Left' && empty.left.message).toBe('ShapeError: layerNorm expects an input [..., 8] but got []')
    expect(l.outShape(['N', 16, 8])).toEqual({ _tag: 'Right', right: ['N', 16, 8] })
  })

  it('has mean 0 and variance 1 over the normalized dims (gamma 1, beta 0), and equals tfjs over random shapes', async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeAndK, fc.integer({ min: 1, max: 1000 }), ([shape, k], seed) => {
        tf.tidy(() => {
          const gs = shape.slice(shape.length - k)
          const [p, pg, pb] = [leaf('x', shape), leaf('g', gs), leaf('b', gs)]
          const xv = rand(shape, seed, -3, 3)
          const run = (gv: tf.Tensor, bv: tf.Tensor) => interpret([layerNormNode(p, pg, pb, 1e-5)], { inputs: {}, params: { x: xv, g: gv, b: bv } })[0]!
          const y = run(tf.ones(gs), tf.zeros(gs))
          const axes = gs.map((_, i) => shape.length - k + i)
          const { mean, variance } = tf.moments(y, axes)
          expectClose(mean, tf.zerosLike(mean), 1e-4, 1e-4, 'mean 0')
          // var(x) / (var(x) + eps): 1 unless x is constant over the dims
          const vx = tf.moments(xv, axes).variance
          expectClose(variance, tf.div(vx, tf.add(vx, 1e-5)), 1e-3, 1e-3, 'variance 1')
          const [gv, bv] = [rand(gs, seed + 1), rand(gs, seed + 2)]
          expectClose(run(gv, bv), tfLayerNorm(xv, gv, bv, k), 1e-4, 1e-4, 'vs tfjs')
        })
      }),
      { numRuns: 30 },
    )
  })

  it("has tfjs's gradients for x, gamma and beta over random shapes and trailing-dim counts", async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeAndK, fc.nat(1000), ([shape, k], seed) => {
        const gs = shape.slice(shape.length - k)
        checkGrads(
          [
            { shape, value: rand(shape, seed, -2, 2) },
            { shape: gs, value: rand(gs, seed + 1, 0.5, 1.5) },
            { shape: gs, value: rand(gs, seed + 2) },
          ],
          ([p, pg, pb]) => layerNormNode(p!, pg!, pb!, 1e-5),
          ([xv, gv, bv]) => tfLayerNorm(xv!, gv!, bv!, k),
          { rtol: 5e-3, atol: 5e-4 },
        )
      }),
      { numRuns: 25 },
    )
  })

  it('has the gradients finite differences give', async () => {
    await useCpu()
    const shape = [3, 6]
    const v = Float32Array.from({ length: 18 }, (_, i) => ((i * 7) % 18) / 4 - 2)
    const w = rand(shape, 11)
    const gv = rand([6], 12, 0.5, 1.5)
    const bv = rand([6], 13)
    const [p, pg, pb] = [leaf('x', shape), leaf('g', [6]), leaf('b', [6])]
    const f = weightedSum(layerNormNode(p, pg, pb, 1e-5))
    const [dx] = grad(f, [p])
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape, v, inputs: { w }, params: { g: gv, b: bv }, stride: 2, tol: 5e-3 })
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, over the last dim and the last two', async () => {
      const xi = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 4, 6], 'float32')
      const param = (name: string, shape: number[], init: 'ones' | 'zeros') => mk('param', [], { name, init, fanIn: 6, fanOut: 6 }, shape, 'float32')
      const [g1, b1, g2, b2] = [param('g1', [6], 'ones'), param('b1', [6], 'zeros'), param('g2', [4, 6], 'ones'), param('b2', [4, 6], 'zeros')]
      const outs = [layerNormNode(xi, g1, b1, 1e-5), layerNormNode(mk('mul', [xi, xi], {}), g2, b2, 1e-3)]
      const all = (n: Node): Node => mk('mean', [n], { axes: n.shape.map((_, i) => i), keepDims: false })
      const loss = mk('add', [all(mk('mul', [outs[0]!, xi], {})), all(mk('square', [outs[1]!], {}))], {})
      const roots = [...outs, loss, ...grad(loss, [xi, g1, b1, g2, b2])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4 (F.layerNorm and the layer)', async () => {
    const xi = input('x', ['N', 3, 4])
    const f = F.layerNorm(xi, expr<readonly [3, 4]>(leaf('g', [3, 4])), expr<readonly [3, 4]>(leaf('b', [3, 4]))).node
    const layered = sequential(['N', 3, 4], layerNorm(4))(input('x', ['N', 3, 4])).node
    for (const out of [f, layered]) {
      const { diff } = await roundTrip(out, randomParams(out), randomInput([2, 3, 4], 5))
      expect(diff).toBeLessThan(1e-4)
    }
  })
})

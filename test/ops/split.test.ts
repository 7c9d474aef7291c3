/**
 * split end to end (F.split: one slice per part): its types (the tuple of part shapes; sizes that do not
 * sum to the axis are the error at `sizes`) and runtime texts, split then concat is identity and concat
 * then split is identity over random shapes, sizes and axes, its gradient against finite differences and
 * tfjs's gradient of tf.split, the lowering on cpu and wasm, and the ONNX export of a graph using parts.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { mk } from '../../src/dsl/node.js'
import { checkGrads, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

/** A random shape, an axis of it (sometimes negative) and sizes summing to that axis. */
const splitArb = fc
  .record({ shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), axisSeed: fc.nat(100), cuts: fc.array(fc.nat(100), { maxLength: 3 }), negative: fc.boolean() })
  .map(({ shape, axisSeed, cuts, negative }) => {
    const a = axisSeed % shape.length
    const d = shape[a]!
    const points = [...new Set(cuts.map((c) => 1 + (c % d)).filter((c) => c < d))].sort((p, q) => p - q)
    const sizes = [...points, d].map((p, i, all) => p - (i === 0 ? 0 : all[i - 1]!))
    return { shape, sizes, axis: negative ? a - shape.length : a }
  })

describe('split', () => {
  it('is F.split: the tuple of part shapes, and sizes that do not fit are the error at sizes', () => {
    const x = input('x', ['N', 10, 4])
    const [a, b, c] = F.split(x, [3, 5, 2], 1)
    expectTypeOf(a).toEqualTypeOf<Expr<readonly ['N', 3, 4], 'float32'>>()
    expectTypeOf(b).toEqualTypeOf<Expr<readonly ['N', 5, 4], 'float32'>>()
    expectTypeOf(c).toEqualTypeOf<Expr<readonly ['N', 2, 4], 'float32'>>()
    expect([a.shape, b.shape, c.shape]).toEqual([['N', 3, 4], ['N', 5, 4], ['N', 2, 4]])
    expect([a, b, c].map((p) => p.node.op)).toEqual(['slice', 'slice', 'slice'])
    expectTypeOf(F.split<readonly ['N', 10, 4], [3, 5], 1>).parameter(1).toEqualTypeOf<'ShapeError: split sizes [3, 5] do not sum to 10 on axis 1 of [N, 10, 4]'>()
    expectTypeOf(F.split<readonly ['N', 10, 4], [1, 1], 0>).parameter(1).toEqualTypeOf<'ShapeError: split cannot split a symbolic or unknown size on axis 0 of [N, 10, 4]'>()
    expectTypeOf(F.split<readonly ['N', 10, 4], [4], -4>).parameter(1).toEqualTypeOf<'ShapeError: split axis -4 out of range for [N, 10, 4]'>()
    expect(() => F.split(x, [3, 5] as never, 1)).toThrow('ShapeError: split sizes [3, 5] do not sum to 10 on axis 1 of [N, 10, 4]')
    expect(() => F.split(x, [1, 1] as never, 0)).toThrow('ShapeError: split cannot split a symbolic or unknown size on axis 0 of [N, 10, 4]')
    expect(() => F.split(x, [4] as never, -4)).toThrow('ShapeError: split axis -4 out of range for [N, 10, 4]')
  })

  it('split then concat is identity, and concat then split is identity', async () => {
    await useCpu()
    fc.assert(
      fc.property(splitArb, ({ shape, sizes, axis }) => {
        const x = input('x', shape)
        const parts = F.split(x, sizes as never, axis) as unknown as Expr[]
        const back = F.concat(parts as never, axis) as unknown as Expr
        const again = F.split(back, sizes as never, axis) as unknown as Expr[]
        const value = rand(shape, 4)
        const outs = interpret([back.node, ...parts.map((p) => p.node), ...again.map((p) => p.node)], { inputs: { x: value }, params: {} })
        expect(outs[0]!.arraySync()).toEqual(value.arraySync())
        parts.forEach((_, k) => expect(outs[1 + parts.length + k]!.arraySync()).toEqual(outs[1 + k]!.arraySync()))
      }),
      { numRuns: 30 },
    )
  })

  it("has tfjs's gradient of tf.split (parts weighted differently), over random shapes, sizes and axes", async () => {
    await useCpu()
    fc.assert(
      fc.property(splitArb, ({ shape, sizes, axis }) => {
        // (tfjs's SplitV gradient fails on a single part, which is x itself)
        const parts = (x: tf.Tensor) => (sizes.length === 1 ? [x] : tf.split(x, sizes, axis))
        const f = (p: readonly tf.Tensor[]) => tf.concat(parts(p[0]!).map((t, k) => tf.mul(t, k + 1)), axis)
        checkGrads(
          [{ shape, value: rand(shape, 6) }],
          ([p]) => {
            const parts = F.split(expr(p!) as Expr<readonly number[]>, sizes as never, axis) as unknown as Expr[]
            return mk('concat', parts.map((t, k) => mk('mul', [t.node, mk('fill', [], { value: k + 1 }, [], 'float32')], {})), { axis })
          },
          f,
        )
      }),
      { numRuns: 25 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const x = leaf('x', [2, 5])
    const [a, b] = F.split(expr(x) as Expr<readonly [2, 5]>, [2, 3], 1)
    const f = mk('add', [weightedSum(mk('tanh', [a.node], {})), mk('sum', [mk('square', [b.node], {})], { axes: [0, 1], keepDims: false })], {})
    const [dx] = grad(f, [x])
    const w = rand([2, 2], 3)
    const v = Float32Array.from(rand([2, 5], 1).dataSync())
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape: [2, 5], v, inputs: { w } })
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients (a gated unit: a * sigmoid(b))', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 8], 'float32')
      const [a, b] = F.split(expr(x) as Expr<readonly ['N', 8]>, [4, 4], -1)
      const y = F.mul(a, F.sigmoid(b)).node
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const [a, b] = F.split(input('x', ['N', 3, 8]), [5, 3], 2)
    const out = F.concat([F.tanh(b), a], 2).node
    const { diff } = await roundTrip(out, {}, randomInput([2, 3, 8], 3))
    expect(diff).toBeLessThan(1e-4)
  })
})

/**
 * pad end to end: F.pad's types and runtime rule (the same ShapeError texts, at `paddings`), its gradient
 * (a slice of dy) against finite differences and tfjs's gradient of tf.pad over random shapes and
 * paddings, slice of pad at x's box is x, the folds and simplifications, the lowering against the
 * interpreter on cpu and wasm, and the ONNX export (Pad, constant mode) in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { mk } from '../../src/dsl/node.js'
import { checkGrads, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

/** A random shape, paddings for it and a pad value. */
const padArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    paddings: fc.tuple(...shape.map(() => fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })))),
    value: fc.constantFrom(0, 1.5, -2),
  }),
)

describe('pad', () => {
  it('is F.pad: the padded shape in the types, and paddings that do not fit are the error at paddings', () => {
    const x = input('x', ['N', 3, 5])
    const y = F.pad(x, [[0, 0], [1, 2], [3, 0]])
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 6, 8], 'float32'>>()
    expect(y.shape).toEqual(['N', 6, 8])
    expect(F.pad(x, [[0, 0], [1, 1], [0, 0]], 7).node.attrs).toEqual({ paddings: [[0, 0], [1, 1], [0, 0]], value: 7 })
    expectTypeOf(F.pad<readonly ['N', 3, 5], [[1, 0], [0, 0], [0, 0]]>)
      .parameter(1)
      .toEqualTypeOf<'ShapeError: pad paddings [[1, 0], [0, 0], [0, 0]] do not fit [N, 3, 5]'>()
    expectTypeOf(F.pad<readonly ['N', 3, 5], [[0, 0], [1, 1]]>).parameter(1).toEqualTypeOf<'ShapeError: pad paddings [[0, 0], [1, 1]] do not fit [N, 3, 5]'>()
    expectTypeOf(F.pad<readonly ['N', 3, 5], [[0, 0], [-1, 1], [0, 0]]>)
      .parameter(1)
      .toEqualTypeOf<'ShapeError: pad paddings [[0, 0], [-1, 1], [0, 0]] do not fit [N, 3, 5]'>()
    expect(() => F.pad(x, [[1, 0], [0, 0], [0, 0]] as never)).toThrow('ShapeError: pad paddings [[1, 0], [0, 0], [0, 0]] do not fit [N, 3, 5]')
    expect(() => F.pad(x, [[0, 0], [1, 1]] as never)).toThrow('ShapeError: pad paddings [[0, 0], [1, 1]] do not fit [N, 3, 5]')
    expect(() => F.pad(x, [[0, 0], [-1, 1], [0, 0]] as never)).toThrow('ShapeError: pad paddings [[0, 0], [-1, 1], [0, 0]] do not fit [N, 3, 5]')
  })

  it("has tfjs's gradient of tf.pad, and slicing x's box back out gives x, over random shapes and paddings", async () => {
    await useCpu()
    fc.assert(
      fc.property(padArb, ({ shape, paddings, value }) => {
        const v = rand(shape, 5)
        checkGrads([{ shape, value: v }], ([p]) => mk('pad', [p!], { paddings, value }), ([x]) => tf.pad(x!, paddings, value))
        const x = input('x', shape)
        const back = F.slice(F.pad(x, paddings as never, value) as unknown as Expr, paddings.map(([b]) => b), shape as never) as unknown as Expr
        expect(interpret([back.node], { inputs: { x: v }, params: {} })[0]!.arraySync()).toEqual(v.arraySync())
      }),
      { numRuns: 30 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const x = leaf('x', [2, 3])
    const f = weightedSum(mk('tanh', [mk('pad', [x], { paddings: [[1, 0], [2, 1]], value: 0.5 })], {}))
    const [dx] = grad(f, [x])
    const w = rand([3, 6], 3)
    const v = Float32Array.from(rand([2, 3], 1).dataSync())
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape: [2, 3], v, inputs: { w } })
  })

  it('drops a pad of nothing, and folds a fill padded with its own value', () => {
    const x = leaf('x', [2, 3])
    expect(optimize([mk('pad', [x], { paddings: [[0, 0], [0, 0]], value: 3 })])[0]).toBe(x)
    const [g] = optimize([mk('pad', [mk('fill', [], { value: 2 }, [2, 3], 'float32')], { paddings: [[1, 0], [0, 2]], value: 2 })])
    expect(g!.op).toBe('fill')
    expect(g!.shape).toEqual([3, 5])
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, on a symbolic batch', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 4], 'float32')
      const v = mk('param', [], { name: 'v', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [42, 2], 'float32')
      const p = mk('pad', [mk('tanh', [x], {})], { paddings: [[0, 0], [1, 2], [2, 1]], value: -1 })
      const y = mk('matMul', [mk('reshape', [p], { shape: ['N', 42] }), mk('pad', [v], { paddings: [[0, 0], [1, 0]], value: 0 })], { transposeA: false, transposeB: false })
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x, v])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX (Pad, constant mode): onnxruntime-web matches the lowering within 1e-4', async () => {
    const x = input('x', ['N', 3, 4])
    const out = F.pad(F.tanh(x), [[0, 0], [2, 1], [0, 3]], 0.25).node
    const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4], 3))
    expect(diff).toBeLessThan(1e-4)
  })
})

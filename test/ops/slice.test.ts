/**
 * slice end to end: F.slice's types and runtime rule (the same ShapeError texts, at `size`), its
 * gradient (a pad of dy) against finite differences and against tfjs's gradient of tf.slice over random
 * shapes and boxes, the lowering against the interpreter on cpu and wasm, the simplifications (a slice
 * of a slice is one slice, the whole of x is x) keeping the values, and the ONNX export.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk, topo } from '../../src/dsl/node.js'
import { checkGrads, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

/** A random shape and a box inside it (sizes sometimes -1: the rest of the axis). */
const boxArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc
    .tuple(...shape.map((d) => fc.integer({ min: 0, max: d - 1 }).chain((b) => fc.tuple(fc.constant(b), fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: d - b }))))))
    .map((bs) => ({ shape, begin: bs.map(([b]) => b), size: bs.map(([, s]) => s) })),
)

describe('slice', () => {
  it('is F.slice: the box in the types, and a box that does not fit is the error at size', () => {
    const x = input('x', ['N', 6, 5])
    const y = F.slice(x, [0, 1, 2], [-1, 4, -1])
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 4, 3], 'float32'>>()
    expect(y.shape).toEqual(['N', 4, 3])
    expectTypeOf(F.slice<readonly ['N', 6, 5], [0, 3, 0], [-1, 4, 5]>)
      .parameter(2)
      .toEqualTypeOf<'ShapeError: slice at [0, 3, 0] of size [-1, 4, 5] does not fit [N, 6, 5]'>()
    expectTypeOf(F.slice<readonly ['N', 6, 5], [1, 0, 0], [-1, 6, 5]>)
      .parameter(2)
      .toEqualTypeOf<'ShapeError: slice at [1, 0, 0] of size [-1, 6, 5] does not fit [N, 6, 5]'>()
    expectTypeOf(F.slice<readonly ['N', 6, 5], [0, 0], [-1, 6]>).parameter(2).toEqualTypeOf<'ShapeError: slice at [0, 0] of size [-1, 6] does not fit [N, 6, 5]'>()
    expect(() => F.slice(x, [0, 3, 0], [-1, 4, 5] as never)).toThrow('ShapeError: slice at [0, 3, 0] of size [-1, 4, 5] does not fit [N, 6, 5]')
    expect(() => F.slice(x, [1, 0, 0], [-1, 6, 5] as never)).toThrow('ShapeError: slice at [1, 0, 0] of size [-1, 6, 5] does not fit [N, 6, 5]')
    expect(() => F.slice(x, [0, 0], [-1, 6] as never)).toThrow('ShapeError: slice at [0, 0] of size [-1, 6] does not fit [N, 6, 5]')
  })

  it("has tfjs's gradient of tf.slice, over random shapes and boxes", async () => {
    await useCpu()
    fc.assert(
      fc.property(boxArb, ({ shape, begin, size }) => {
        checkGrads([{ shape, value: rand(shape, 5) }], ([p]) => mk('slice', [p!], { begin, size }), ([x]) => tf.slice(x!, begin, size))
      }),
      { numRuns: 30 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const x = leaf('x', [3, 4])
    const f = weightedSum(mk('tanh', [mk('slice', [x], { begin: [1, 1], size: [2, -1] })], {}))
    const [dx] = grad(f, [x])
    const w = rand([2, 3], 3)
    const v = Float32Array.from(rand([3, 4], 1).dataSync())
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape: [3, 4], v, inputs: { w } })
  })

  it('simplifies a slice of a slice to one slice and the whole of x to x, keeping the values', async () => {
    await useCpu()
    fc.assert(
      fc.property(boxArb, boxArb, ({ shape, begin, size }, inner) => {
        const x = mk('input', [], { name: 'x', dtype: 'float32' }, shape, 'float32')
        const s1 = mk('slice', [x], { begin, size })
        // a second box inside the first one's result
        const s1Shape = s1.shape as number[]
        const b2 = s1Shape.map((d, i) => Math.min(inner.begin[i % inner.begin.length]!, d - 1))
        const z2 = s1Shape.map((d, i) => (i % 2 === 0 ? -1 : d - b2[i]!))
        const s2 = mk('slice', [s1], { begin: b2, size: z2 })
        const [opt] = optimize([s2])
        expect(topo([opt!]).filter((n) => n.op === 'slice').length).toBeLessThanOrEqual(1)
        const feeds = { inputs: { x: rand(shape, 2) }, params: {} }
        expect(interpret([opt!], feeds)[0]!.arraySync()).toEqual(interpret([s2], feeds)[0]!.arraySync())
      }),
      { numRuns: 25 },
    )
    const x = leaf('x', [2, 3])
    expect(optimize([mk('slice', [x], { begin: [0, 0], size: [-1, 3] })])[0]).toBe(x)
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, on a symbolic batch', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 6, 5], 'float32')
      const v: Node = mk('param', [], { name: 'v', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [14, 4], 'float32')
      const s = mk('slice', [mk('tanh', [x], {})], { begin: [0, 2, 1], size: [-1, 3, -1] })
      const y = mk('matMul', [mk('reshape', [s], { shape: ['N', 12] }), mk('slice', [v], { begin: [1, 0], size: [12, -1] })], { transposeA: false, transposeB: false })
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x, v])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX (Slice with constant starts, ends and axes): onnxruntime-web matches within 1e-4', async () => {
    const x = input('x', ['N', 6, 5])
    const out = F.slice(F.tanh(x), [0, 1, 2], [-1, 4, -1]).node
    const { diff } = await roundTrip(out, {}, randomInput([2, 6, 5], 3))
    expect(diff).toBeLessThan(1e-4)
  })
})

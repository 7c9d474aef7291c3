/**
 * F.softmax / F.logSoftmax on an axis: the typed shape and the ShapeError at the axis argument (same text
 * at run time), softmax summing to 1 on its axis and logSoftmax = log(softmax) over random shapes and
 * axes, gradients against tfjs's own, the lowering against the interpreter on cpu and wasm (a non-last
 * axis transposes), and the ONNX round trip.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { checkGrads, expectClose, leaf, rand, useCpu } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

/** A random shape of rank 1..4 (dims 1..5) and an axis in it, written positive or negative. */
const shapeAndAxis = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })))

describe('F.softmax / F.logSoftmax', () => {
  const x = input('x', ['N', 10, 4])

  it('are S -> S along an axis (default -1), the axis out of range being the ShapeError at `axis`', () => {
    expectTypeOf(F.softmax(x)).toEqualTypeOf<Expr<readonly ['N', 10, 4], 'float32'>>()
    expectTypeOf(F.logSoftmax(x, 1)).toEqualTypeOf<Expr<readonly ['N', 10, 4], 'float32'>>()
    expectTypeOf(F.softmax(x, -3)).toEqualTypeOf<Expr<readonly ['N', 10, 4], 'float32'>>()
    // type-only: not called
    void (() => {
      // @ts-expect-error -- 'ShapeError: softmax axis 3 out of range for [N, 10, 4]'
      F.softmax(x, 3)
      // @ts-expect-error -- 'ShapeError: logSoftmax axis -4 out of range for [N, 10, 4]'
      F.logSoftmax(x, -4)
    })
    expectTypeOf(F.softmax<typeof x, 3>).parameter(1).toEqualTypeOf<'ShapeError: softmax axis 3 out of range for [N, 10, 4]' | undefined>()
    expect(F.softmax(x).node.attrs).toEqual({ axis: -1 })
    expect(F.logSoftmax(x, 1).shape).toEqual(['N', 10, 4])
    expect(() => (F.softmax as (...a: unknown[]) => unknown)(x, 3)).toThrow('ShapeError: softmax axis 3 out of range for [N, 10, 4]')
    expect(() => (F.logSoftmax as (...a: unknown[]) => unknown)(x, -4)).toThrow('ShapeError: logSoftmax axis -4 out of range for [N, 10, 4]')
  })

  it('softmax sums to 1 on its axis; logSoftmax = log(softmax)', async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeAndAxis, fc.integer({ min: 1, max: 1000 }), ([shape, axis], seed) => {
        tf.tidy(() => {
          const p = leaf('x', shape)
          const [s, ls] = interpret([mk('softmax', [p], { axis }), mk('logSoftmax', [p], { axis })], { inputs: {}, params: { x: rand(shape, seed, -8, 8) } })
          expectClose(tf.sum(s!, axis), tf.onesLike(tf.sum(s!, axis)), 1e-5, 1e-5, 'sums to 1')
          expectClose(ls!, tf.log(s!), 1e-4, 1e-4, 'log softmax')
        })
      }),
      { numRuns: 40 },
    )
  })

  it("have tfjs's gradients over random shapes and axes", async () => {
    await useCpu()
    const along = (t: tf.Tensor, axis: number, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor => {
      const ax = axis < 0 ? axis + t.rank : axis
      const perm = t.shape.map((_, i) => i)
      perm[ax] = t.rank - 1
      perm[t.rank - 1] = ax
      return tf.transpose(f(tf.transpose(t, perm)), perm)
    }
    fc.assert(
      fc.property(shapeAndAxis, fc.boolean(), ([shape, axis], isLog) => {
        const op = isLog ? 'logSoftmax' : 'softmax'
        checkGrads([{ shape, value: rand(shape, 5, -3, 3) }], ([p]) => mk(op, [p!], { axis }), ([t]) => along(t!, axis, (u) => (isLog ? tf.logSoftmax(u) : tf.softmax(u))))
      }),
      { numRuns: 30 },
    )
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, on the last and on a leading axis', async () => {
      const xi = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 5], 'float32')
      const w = mk('param', [], { name: 'w', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [3, 5], 'float32')
      const h = mk('mul', [xi, w], {})
      const outs = [mk('softmax', [h], { axis: -1 }), mk('softmax', [h], { axis: 1 }), mk('logSoftmax', [h], { axis: 0 }), mk('logSoftmax', [h], { axis: -1 })]
      const all = (n: Node): Node => mk('mean', [n], { axes: n.shape.map((_, i) => i), keepDims: false })
      const loss = outs.map((o) => all(mk('square', [o], {}))).reduce((a: Node, b: Node): Node => mk('add', [a, b], {}))
      const roots = [...outs, loss, ...grad(loss, [xi, w])]
      const feeds = hostFeeds(roots, 2)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const xi = input('x', ['N', 3, 4])
    for (const out of [F.softmax(xi).node, F.softmax(xi, 1).node, F.logSoftmax(xi, -2).node]) {
      const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4], 5))
      expect(diff).toBeLessThan(1e-4)
    }
  })
})

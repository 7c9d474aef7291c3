/**
 * F.reshape end to end: the -1 inferred in the types (symbolic dims cancel, also for a batch name that is a
 * type parameter) and at run time with the same shapes and texts, the element count kept for every binding, reshaping and reshaping back is the identity and keeps the row-major order, its gradient
 * against tfjs's own and finite differences over random shapes and targets, the lowering against the
 * interpreter on cpu and wasm (forward and gradients), and the ONNX export with a symbolic batch.
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
import * as E from 'fp-ts/lib/Either.js'
import { bindShape, dimProduct, showShape } from '../../src/ir/shape.js'
import { reshapeHole, reshapeShape } from '../../src/ops/reshape.js'
import type { ReshapeOut } from '../../src/types/rules/reshape.js'
import { checkGrads, expectClose, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const rs = (x: Node, shape: readonly (number | string)[]): Node => mk('reshape', [x], { shape })

/** A random shape and a target with the same element count (its dims shuffled, two merged), one of them -1. */
const shapeTargetArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      dims: fc.shuffledSubarray(shape, { minLength: shape.length, maxLength: shape.length }),
      merge: fc.boolean(),
      hole: fc.nat(),
    }),
  )
  .map(({ shape, dims, merge, hole }) => {
    const merged = merge && dims.length > 1 ? [dims[0]! * dims[1]!, ...dims.slice(2)] : dims
    return { shape, target: merged.map((d, i) => (i === hole % merged.length ? -1 : d)), resolved: merged }
  })

describe('reshape', () => {
  it('is F.reshape: the -1 is computed in the types and by the runtime rule alike, symbolic dims cancelling', () => {
    const y = F.reshape(input('x', ['N', 4, 8]), ['N', -1])
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 32], 'float32'>>()
    expect(y.node.op).toBe('reshape')
    expect(y.shape).toEqual(['N', 32])
    const z = F.reshape(input('x', [2, 4, 8]), [-1, 16])
    expectTypeOf(z).toEqualTypeOf<Expr<readonly [4, 16], 'float32'>>()
    expect(z.shape).toEqual([4, 16])
    const w = F.reshape(input('x', ['N', 4, 8]), [-1, 8])
    expectTypeOf(w).toEqualTypeOf<Expr<readonly ['4*N', 8], 'float32'>>()
    expect(w.shape).toEqual(['4*N', 8])
    const v = F.reshape(input('x', ['N', 4, 8]), [-1, 32])
    expectTypeOf(v).toEqualTypeOf<Expr<readonly ['N', 32], 'float32'>>()
    expect(v.shape).toEqual(['N', 32])
    const back = F.reshape(w, ['N', -1])
    expectTypeOf(back).toEqualTypeOf<Expr<readonly ['N', 32], 'float32'>>()
    expect(back.shape).toEqual(['N', 32])
    expectTypeOf<ReshapeOut<readonly ['N', 4, 'M', 8], readonly ['M', -1, 2]>>().toEqualTypeOf<readonly ['M', '16*N', 2]>()
    expect(rs(leaf('x', [1]), []).shape).toEqual([])
    expect(mk('reshape', [mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 4, 'M', 8], 'float32')], { shape: ['M', -1, 2] }).shape).toEqual(['M', '16*N', 2])
  })

  it('computes the -1 as its type rule does (reshapeHole), also in a function generic over the batch name', () => {
    expect(reshapeHole(['N', 4, 8], [32])).toBe('N')
    expect(reshapeHole(['N', 4, 8], ['N'])).toBe(32)
    expect(reshapeHole(['N', 4, 8], [8])).toBe('4*N')
    expect(reshapeHole(['4*N', 8], ['N'])).toBe(32)
    expect(reshapeHole(['N*M', 4], ['M'])).toBe('4*N')
    expect(reshapeHole(['N', 'M'], ['M', 'N'])).toBe(1)
    expect(reshapeHole(['N', 3, 5], [4])).toBeUndefined()
    expect(reshapeHole(['N', 4], ['M'])).toBeUndefined()
    expect(reshapeHole([4, 8], ['N'])).toBeUndefined()
    expect(reshapeHole([2, 4], [0])).toBeUndefined()
    const rows = <N extends string>(x: Expr<readonly [N, 4, 8]>) => {
      const flat = F.reshape(x, [-1, 32])
      const tall = F.reshape(x, [-1, 8])
      return [flat, tall, F.reshape(tall, [x.shape[0], -1])] as const
    }
    const [flat, tall, again] = rows(input('x', ['B', 4, 8]))
    expectTypeOf(flat.shape).toEqualTypeOf<readonly ['B', 32]>()
    expectTypeOf(tall.shape).toEqualTypeOf<readonly ['4*B', 8]>()
    expectTypeOf(again.shape).toEqualTypeOf<readonly ['B', 32]>()
    expect([flat.shape, tall.shape, again.shape]).toEqual([['B', 32], ['4*B', 8], ['B', 32]])
  })

  it('keeps the element count for every binding of the symbolic dims', () => {
    // a symbolic shape; a target of some of its dims, maybe one size more, and one -1: bound, the counts agree
    const arb = fc
      .record({ sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), names: fc.subarray(['N', 'M']), keep: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), extra: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 5 }), m: fc.integer({ min: 1, max: 5 }) })
      .filter(({ names }) => names.length > 0)
    fc.assert(
      fc.property(arb, ({ sizes, names, keep, extra, n, m }) => {
        const x = [...names, ...sizes]
        const kept = [...x.filter((_, i) => keep[i]), ...(extra > 1 ? [extra] : [])]
        const env = { N: n, M: m }
        const r = reshapeShape(x, [...kept, -1])
        const from = bindShape(x, env).reduce((a, b) => a * b, 1)
        if (E.isRight(r)) {
          expect(bindShape(r.right.shape, env).reduce((a, b) => a * b, 1)).toBe(from)
        } else {
          // only a target whose known sizes do not divide the input's fails
          const size = (d: (typeof x)[number]) => (typeof d === 'number' ? d : 1)
          expect(sizes.reduce((a, b) => a * b, 1) % kept.map(size).reduce((a, b) => a * b, 1)).not.toBe(0)
          expect(r.left.message).toBe(`ShapeError: reshape cannot turn ${showShape(x)} (${dimProduct(x)} elements) into ${showShape([...kept, -1])}`)
        }
      }),
      { numRuns: 100 },
    )
  })

  it("reports a target that does not fit at the target, with the runtime rule's text", () => {
    const x = input('x', ['N', 4, 8])
    // @ts-expect-error 32*N elements are not a multiple of 5*N
    expect(() => F.reshape(x, ['N', -1, 5])).toThrow('ShapeError: reshape cannot turn [N, 4, 8] (32*N elements) into [N, -1, 5]')
    expectTypeOf<ReshapeOut<readonly ['N', 4, 8], readonly ['N', -1, 5]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [N, 4, 8] (32*N elements) into [N, -1, 5]'>()
    // @ts-expect-error 15*N elements are not a multiple of 4
    expect(() => F.reshape(input('p', ['N', 3, 5]), [-1, 4])).toThrow('ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4]')
    expectTypeOf<ReshapeOut<readonly ['N', 3, 5], readonly [-1, 4]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4]'>()
    // @ts-expect-error a name the input does not have
    expect(() => F.reshape(input('q', [4, 8]), ['N', -1])).toThrow('ShapeError: reshape cannot turn [4, 8] (32 elements) into [N, -1]')
    // @ts-expect-error two -1s
    expect(() => F.reshape(x, [-1, -1])).toThrow('ShapeError: reshape target [-1, -1] has more than one -1')
    // @ts-expect-error two -1s, known sizes
    expect(() => F.reshape(input('q', [2, 4]), [-1, -1])).toThrow('ShapeError: reshape target [-1, -1] has more than one -1')
    expectTypeOf<ReshapeOut<readonly [2, 4], readonly [-1, -1]>>().toEqualTypeOf<'ShapeError: reshape target [-1, -1] has more than one -1'>()
    const k = input('k', [3, 4, 8])
    // @ts-expect-error 96 elements are not a multiple of 5
    expect(() => F.reshape(k, [-1, 5])).toThrow('ShapeError: reshape cannot turn [3, 4, 8] (96 elements) into [-1, 5]')
    expectTypeOf<ReshapeOut<readonly [3, 4, 8], readonly [-1, 5]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [3, 4, 8] (96 elements) into [-1, 5]'>()
    // @ts-expect-error 96 elements are not 90
    expect(() => F.reshape(k, [9, 10])).toThrow('ShapeError: reshape cannot turn [3, 4, 8] (96 elements) into [9, 10] (90 elements)')
    expectTypeOf<ReshapeOut<readonly [3, 4, 8], readonly [9, 10]>>().toEqualTypeOf<'ShapeError: reshape cannot turn [3, 4, 8] (96 elements) into [9, 10] (90 elements)'>()
  })

  it("infers the -1, keeps tfjs's row-major order, and reshaping back is the identity", async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeTargetArb, ({ shape, target, resolved }) => {
        const x = leaf('x', shape)
        const y = rs(x, target)
        expect(y.shape).toEqual(resolved)
        const back = rs(y, shape)
        const value = rand(shape, 3)
        const [there, again] = interpret([y, back], { inputs: {}, params: { x: value } })
        expectClose(there!, tf.reshape(value, resolved), 0, 0)
        expectClose(again!, value, 0, 0)
        expect(optimize([back])).toEqual([x])
      }),
      { numRuns: 60 },
    )
  })

  it("has tfjs's gradient over random shapes and targets", async () => {
    await useCpu()
    fc.assert(
      fc.property(shapeTargetArb, ({ shape, target, resolved }) => {
        checkGrads([{ shape, value: rand(shape, 1) }], ([x]) => mk('square', [rs(x!, target)], {}), ([x]) => tf.square(tf.reshape(x!, resolved)))
      }),
      { numRuns: 40 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const shape = [2, 3, 4]
    const x = leaf('x', shape)
    const f = weightedSum(mk('square', [rs(x, [4, -1])], {}))
    const [dx] = grad(f, [x])
    const w = rand([4, 6], 5)
    const v = Float32Array.from(rand(shape, 6).dataSync())
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape, v, inputs: { w } })
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 4, 6], 'float32')
      const w = mk('param', [], { name: 'w', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [2, 3, 4], 'float32')
      const y = mk('tanh', [mk('mul', [rs(x, ['N', 2, 3, -1]), w], {})], {})
      const z = rs(y, [-1, 8])
      const loss = mk('mean', [mk('square', [z], {})], { axes: [0, 1], keepDims: false })
      const roots = [z, loss, ...grad(loss, [x, w])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const out = F.tanh(F.reshape(input('x', ['N', 3, 4, 5]), ['N', -1, 5])).node
    const { diff, typegrad } = await roundTrip(out, {}, randomInput([2, 3, 4, 5], 3))
    expect(typegrad.shape).toEqual([2, 12, 5])
    expect(diff).toBeLessThan(1e-4)
  })
})

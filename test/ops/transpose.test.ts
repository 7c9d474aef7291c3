/**
 * F.transpose end to end: its type and runtime shape rules with the same text, transposing by a
 * permutation and then by its inverse is the identity (values, and the simplifier removes both), its
 * gradient against tfjs's own and finite differences over random shapes and permutations, the lowering
 * against the interpreter on cpu and wasm (forward and gradients), and the ONNX export.
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
import { invertPerm } from '../../src/ops/shared/perm.js'
import type { TransposeOut } from '../../src/types/rules/transpose.js'
import { checkGrads, expectClose, leaf, rand, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const tr = (x: Node, perm: readonly number[]): Node => mk('transpose', [x], { perm })

/** A random shape of rank 1 to 4 (tfjs's transpose gradient goes that far) and a permutation of its axes. */
const shapePermArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.record({ shape: fc.constant(shape), perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }) }),
  )

describe('transpose', () => {
  it('is F.transpose: axis i of the result is axis perm[i], typed', () => {
    const y = F.transpose(input('x', ['N', 3, 32, 32]), [0, 2, 3, 1])
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 32, 32, 3], 'float32'>>()
    expect(y.node.op).toBe('transpose')
    expect(y.shape).toEqual(['N', 32, 32, 3])
    expectTypeOf<TransposeOut<readonly [2, 3, 4], readonly [2, 0, 1]>>().toEqualTypeOf<readonly [4, 2, 3]>()
  })

  it("reports a permutation that does not fit at the permutation, with the runtime rule's text", () => {
    const x = input('x', [2, 3])
    // @ts-expect-error an axis twice
    expect(() => F.transpose(x, [0, 0])).toThrow('ShapeError: transpose permutation [0, 0] does not fit [2, 3]')
    expectTypeOf(F.transpose<readonly [2, 3], readonly [0, 0]>).parameter(1).toEqualTypeOf<'ShapeError: transpose permutation [0, 0] does not fit [2, 3]'>()
    // @ts-expect-error too few axes
    expect(() => F.transpose(x, [0])).toThrow('ShapeError: transpose permutation [0] does not fit [2, 3]')
    expectTypeOf<TransposeOut<readonly [2, 3], readonly [0]>>().toEqualTypeOf<'ShapeError: transpose permutation [0] does not fit [2, 3]'>()
    // @ts-expect-error an axis x does not have
    expect(() => F.transpose(x, [1, 2])).toThrow('ShapeError: transpose permutation [1, 2] does not fit [2, 3]')
    expectTypeOf<TransposeOut<readonly [2, 3], readonly [1, 2]>>().toEqualTypeOf<'ShapeError: transpose permutation [1, 2] does not fit [2, 3]'>()
  })

  it('by a permutation and then by its inverse is the identity', async () => {
    await useCpu()
    fc.assert(
      fc.property(shapePermArb, ({ shape, perm }) => {
        const x = leaf('x', shape)
        const back = tr(tr(x, perm), invertPerm(perm))
        expect(back.shape).toEqual(shape)
        const value = rand(shape, 3)
        expectClose(interpret([back], { inputs: {}, params: { x: value } })[0]!, value, 0, 0)
        expect(optimize([back])).toEqual([x])
      }),
      { numRuns: 60 },
    )
  })

  it("has tfjs's gradient over random shapes and permutations", async () => {
    await useCpu()
    fc.assert(
      fc.property(shapePermArb, ({ shape, perm }) => {
        checkGrads([{ shape, value: rand(shape, 1) }], ([x]) => tr(x!, perm), ([x]) => tf.transpose(x!, perm))
      }),
      { numRuns: 40 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const [shape, perm] = [[2, 3, 4], [2, 0, 1]]
    const x = leaf('x', shape)
    const f = weightedSum(mk('square', [tr(x, perm)], {}))
    const [dx] = grad(f, [x])
    const w = rand([4, 2, 3], 5)
    const v = Float32Array.from(rand(shape, 6).dataSync())
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape, v, inputs: { w } })
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 3, 4], 'float32')
      const w = mk('param', [], { name: 'w', init: 'xavierUniform', fanIn: 4, fanOut: 4 }, [4, 1, 2, 3], 'float32')
      const y = mk('mul', [tr(x, [3, 0, 1, 2]), w], {})
      const z = tr(mk('tanh', [y], {}), [1, 3, 0, 2])
      const loss = mk('mean', [mk('square', [z], {})], { axes: [0, 1, 2, 3], keepDims: false })
      const roots = [z, loss, ...grad(loss, [x, w])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      expectOutputsClose(runLowered(optimize(roots), feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const out = F.tanh(F.transpose(input('x', ['N', 3, 4, 5]), [0, 2, 3, 1])).node
    const { diff, typegrad } = await roundTrip(out, {}, randomInput([2, 3, 4, 5], 3))
    expect(typegrad.shape).toEqual([2, 4, 5, 3])
    expect(diff).toBeLessThan(1e-4)
  })
})

/**
 * matmul (the batchMatMul op) end to end: its type and runtime shape rules with the same texts, its
 * gradient against finite differences and against tfjs's own gradient over random broadcasting shapes,
 * associativity and agreement with the 2-D matMul, the lowering against the interpreter on cpu and
 * wasm (forward and gradients), and the ONNX export in onnxruntime-web.
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
import type { MatmulOut } from '../../src/types/rules/matmul.js'
import { checkGrads, expectClose, leaf, rand, useCpu, weightedSum } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, randomParams, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const bmm = (a: Node, b: Node): Node => mk('batchMatMul', [a, b], {})
const param = (name: string, shape: readonly number[]): Node => mk('param', [], { name, init: 'xavierUniform', fanIn: 4, fanOut: 4 }, shape, 'float32')

/** Broadcast-compatible batch dims (rank <= 4: tfjs's own broadcastTo gradient stops there) for the two operands: each dim is shared, 1 on one side, or missing on one side. */
const operandsArb = fc
  .record({
    lead: fc.array(fc.record({ size: fc.integer({ min: 1, max: 3 }), side: fc.constantFrom('both', 'a1', 'b1') }), { maxLength: 2 }),
    dropA: fc.integer({ min: 0, max: 2 }),
    dropB: fc.integer({ min: 0, max: 2 }),
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ lead, dropA, dropB, m, k, n }) => {
    const la = lead.map((d) => (d.side === 'a1' ? 1 : d.size))
    const lb = lead.map((d) => (d.side === 'b1' ? 1 : d.size))
    // dropping leading dims is numpy's rank extension
    return { a: [...la.slice(Math.min(dropA, la.length)), m, k], b: [...lb.slice(Math.min(dropB, lb.length)), k, n] }
  })

describe('matmul', () => {
  it('is F.matmul: [..., M, K] x [..., K, N] -> [broadcast(...), M, N], typed', () => {
    const y = F.matmul(input('q', ['N', 8, 16, 64]), input('k', [1, 64, 32]))
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 8, 16, 32], 'float32'>>()
    expect(y.node.op).toBe('batchMatMul')
    expect(y.shape).toEqual(['N', 8, 16, 32])
    const z = F.matmul(input('a', [3, 4]), input('b', [4, 5]))
    expectTypeOf(z).toEqualTypeOf<Expr<readonly [3, 5], 'float32'>>()
    expectTypeOf<MatmulOut<readonly [2, 1, 3, 4], readonly [5, 4, 6]>>().toEqualTypeOf<readonly [2, 5, 3, 6]>()
  })

  it('reports a wrong shape at the second operand, with the runtime rule\'s text', () => {
    const a = input('a', ['N', 3, 4])
    // @ts-expect-error the inner dims differ
    expect(() => F.matmul(a, input('b', [5, 2]))).toThrow('ShapeError: matmul inner dims differ: [N, 3, 4] x [5, 2] (4 vs 5)')
    expectTypeOf<MatmulOut<readonly ['N', 3, 4], readonly [5, 2]>>().toEqualTypeOf<'ShapeError: matmul inner dims differ: [N, 3, 4] x [5, 2] (4 vs 5)'>()
    expectTypeOf(F.matmul<readonly ['N', 3, 4], readonly [5, 2]>).parameter(1).toEqualTypeOf<'ShapeError: matmul inner dims differ: [N, 3, 4] x [5, 2] (4 vs 5)'>()
    // @ts-expect-error the batch dims do not broadcast
    expect(() => F.matmul(input('c', [2, 3, 4]), input('d', [3, 4, 5]))).toThrow('ShapeError: matmul cannot broadcast [2] with [3]')
    expectTypeOf<MatmulOut<readonly [2, 3, 4], readonly [3, 4, 5]>>().toEqualTypeOf<'ShapeError: matmul cannot broadcast [2] with [3]'>()
    // @ts-expect-error a vector is not a matrix
    expect(() => F.matmul(input('e', [3, 4]), input('f', [4]))).toThrow('ShapeError: matmul expects operands of rank 2 or more but got [3, 4] and [4]')
    expectTypeOf<MatmulOut<readonly [3, 4], readonly [4]>>().toEqualTypeOf<'ShapeError: matmul expects operands of rank 2 or more but got [3, 4] and [4]'>()
  })

  it("has tfjs's gradient of tf.matMul over random broadcasting shapes", async () => {
    await useCpu()
    fc.assert(
      fc.property(operandsArb, ({ a, b }) => {
        const ref = ([x, y]: tf.Tensor[]) => {
          const la = a.slice(0, -2)
          const lb = b.slice(0, -2)
          const r = Math.max(la.length, lb.length)
          const full = Array.from({ length: r }, (_, i) => Math.max(la[la.length - r + i] ?? 1, lb[lb.length - r + i] ?? 1))
          const xb = tf.reshape(tf.broadcastTo(x!, [...full, ...a.slice(-2)]), [-1, a.at(-2)!, a.at(-1)!]) as tf.Tensor3D
          const yb = tf.reshape(tf.broadcastTo(y!, [...full, ...b.slice(-2)]), [-1, b.at(-2)!, b.at(-1)!]) as tf.Tensor3D
          return tf.reshape(tf.matMul(xb, yb), [...full, a.at(-2)!, b.at(-1)!])
        }
        checkGrads([{ shape: a, value: rand(a, 1) }, { shape: b, value: rand(b, 2) }], ([x, y]) => bmm(x!, y!), ref)
      }),
      { numRuns: 40 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const [sa, sb] = [[2, 1, 3, 4], [3, 4, 2]]
    const [x, y] = [leaf('x', sa), leaf('y', sb)]
    const f = weightedSum(bmm(x, y))
    const [dx, dy] = grad(f, [x, y])
    const w = rand([2, 3, 3, 2], 5)
    const [vx, vy] = [Float32Array.from(rand(sa, 6).dataSync()), Float32Array.from(rand(sb, 7).dataSync())]
    const at = (ax: Float32Array, ay: Float32Array) =>
      interpret([f], { inputs: { w }, params: { x: tf.tensor(ax, sa), y: tf.tensor(ay, sb) } })[0]!.dataSync()[0]!
    const [gx, gy] = interpret([dx!, dy!], { inputs: { w }, params: { x: tf.tensor(vx, sa), y: tf.tensor(vy, sb) } }).map((t) => t.dataSync())
    const h = 1e-2
    const bump = (v: Float32Array, i: number, by: number) => Float32Array.from(v, (e, j) => (j === i ? e + by : e))
    for (let i = 0; i < vx.length; i += 3) expect(Math.abs(gx![i]! - (at(bump(vx, i, h), vy) - at(bump(vx, i, -h), vy)) / (2 * h))).toBeLessThan(2e-3)
    for (let i = 0; i < vy.length; i += 3) expect(Math.abs(gy![i]! - (at(vx, bump(vy, i, h)) - at(vx, bump(vy, i, -h))) / (2 * h))).toBeLessThan(2e-3)
  })

  it('is associative within tolerance', async () => {
    await useCpu()
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), ([m, k, l, n], lead) => {
        const [a, b, c] = [leaf('a', [...lead, m!, k!]), leaf('b', [k!, l!]), leaf('c', [1, l!, n!])]
        const params = { a: rand([...lead, m!, k!], 1), b: rand([k!, l!], 2), c: rand([1, l!, n!], 3) }
        const [left, right] = interpret([bmm(bmm(a, b), c), bmm(a, bmm(b, c))], { inputs: {}, params })
        expectClose(left!, right!, 1e-4, 1e-5, '(AB)C vs A(BC)')
      }),
      { numRuns: 30 },
    )
  })

  it('equals the 2-D matMul on 2-D operands, and simplifies to it', async () => {
    await useCpu()
    const [a, b] = [leaf('a', [3, 4]), leaf('b', [4, 5])]
    const params = { a: rand([3, 4], 1), b: rand([4, 5], 2) }
    const [ours, theirs] = interpret([bmm(a, b), mk('matMul', [a, b], { transposeA: false, transposeB: false })], { inputs: {}, params })
    expectClose(ours!, theirs!, 1e-6, 1e-6)
    expect(optimize([bmm(a, b)]).map((n) => n.op)).toEqual(['matMul'])
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 3, 4], 'float32')
      const [u, v] = [param('u', [1, 4, 5]), param('v', [2, 5, 3])]
      const y = bmm(bmm(x, u), v)
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1, 2, 3], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x, u, v])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      const graph = optimize(roots)
      expect(topo(graph).some((n) => n.op === 'batchMatMul')).toBe(true)
      expectOutputsClose(runLowered(graph, feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 3, 4], 'float32')
    const y = bmm(bmm(x, param('u', [1, 4, 5])), param('v', [2, 5, 3]))
    const { diff } = await roundTrip(y, randomParams(y), randomInput([2, 2, 3, 4], 3))
    expect(diff).toBeLessThan(1e-4)
  })
})

/**
 * concat end to end: F.concat's types and runtime rule (the same ShapeError texts, at `xs`), its gradient
 * against finite differences and against tfjs's gradient of tf.concat over random shapes and axes, the
 * lowering against the interpreter on cpu and wasm (in a conv net the layout pass keeps NHWC), concat
 * then split is identity and split then concat is identity, the `concat` combinator building one op, and
 * the ONNX export in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { fusedActivations } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk, topo } from '../../src/dsl/node.js'
import { checkGrads, leaf, rand, useCpu, weightedSum } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const param = (name: string, shape: readonly number[]): Node => mk('param', [], { name, init: 'xavierUniform', fanIn: 4, fanOut: 4 }, shape, 'float32')

/** Shapes that agree but on a random axis, and that axis (sometimes negative). */
const joinArb = fc
  .record({ base: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), sizes: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), axisSeed: fc.nat(100), negative: fc.boolean() })
  .map(({ base, sizes, axisSeed, negative }) => {
    const a = axisSeed % base.length
    return { shapes: sizes.map((s) => base.map((d, i) => (i === a ? s : d))), axis: negative ? a - base.length : a, a }
  })

describe('concat', () => {
  it('is F.concat: the axis sizes add in the types, and a list that does not fit is the error at xs', () => {
    const a = input('a', ['N', 3, 5])
    const b = input('b', ['N', 4, 5])
    const y = F.concat([a, b, a], -2)
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 10, 5], 'float32'>>()
    expect(y.shape).toEqual(['N', 10, 5])
    expect(y.node.op).toBe('concat')
    expectTypeOf(F.concat<[typeof a, typeof b], 2>)
      .parameter(0)
      .toEqualTypeOf<'ShapeError: concat cannot join [N, 3, 5] and [N, 4, 5] along axis 2'>()
    expectTypeOf(F.concat<[typeof a], 3>).parameter(0).toEqualTypeOf<'ShapeError: concat axis 3 out of range for [N, 3, 5]'>()
    expectTypeOf(F.concat<[typeof a, typeof a], 0>)
      .parameter(0)
      .toEqualTypeOf<'ShapeError: concat cannot join a symbolic size along axis 0 of [N, 3, 5]'>()
    // the runtime rule says the same
    expect(() => F.concat([a, b] as never, 2)).toThrow('ShapeError: concat cannot join [N, 3, 5] and [N, 4, 5] along axis 2')
    expect(() => F.concat([a] as never, 3)).toThrow('ShapeError: concat axis 3 out of range for [N, 3, 5]')
    expect(() => F.concat([a, a] as never, 0)).toThrow('ShapeError: concat cannot join a symbolic size along axis 0 of [N, 3, 5]')
  })

  it("has tfjs's gradient of tf.concat, over random shapes and axes", async () => {
    await useCpu()
    fc.assert(
      fc.property(joinArb, ({ shapes, axis }) => {
        const operands = shapes.map((shape, k) => ({ shape, value: rand(shape, 10 + k) }))
        checkGrads(operands, (ls) => mk('concat', ls, { axis }), (xs) => tf.concat(xs, axis))
      }),
      { numRuns: 25 },
    )
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const [x, z] = [leaf('x', [2, 3]), leaf('z', [2, 2])]
    const f = weightedSum(mk('tanh', [mk('concat', [x, z], { axis: 1 })], {}))
    const grads = grad(f, [x, z])
    const w = rand([2, 5], 3)
    const vals = { x: Float32Array.from(rand([2, 3], 1).dataSync()), z: Float32Array.from(rand([2, 2], 2).dataSync()) }
    const at = (v: typeof vals) => interpret([f], { inputs: { w }, params: { x: tf.tensor(v.x, [2, 3]), z: tf.tensor(v.z, [2, 2]) } })[0]!.dataSync()[0]!
    const ours = interpret(grads, { inputs: { w }, params: { x: tf.tensor(vals.x, [2, 3]), z: tf.tensor(vals.z, [2, 2]) } }).map((g) => g.dataSync())
    const h = 1e-2
    for (const [k, name] of [[0, 'x'], [1, 'z']] as const)
      for (let i = 0; i < vals[name].length; i++) {
        const up = { ...vals, [name]: Float32Array.from(vals[name]) }
        const down = { ...vals, [name]: Float32Array.from(vals[name]) }
        up[name][i]! += h
        down[name][i]! -= h
        expect(Math.abs(ours[k]![i]! - (at(up) - at(down)) / (2 * h))).toBeLessThan(2e-3)
      }
  })

  it('concat then split is identity, and split then concat is identity', async () => {
    await useCpu()
    fc.assert(
      fc.property(joinArb, ({ shapes, axis, a }) => {
        const xs = shapes.map((s, k) => input(`x${k}`, s))
        const joined = F.concat(xs as never, axis) as unknown as Expr
        const parts = F.split(joined, shapes.map((s) => s[a]!) as never, axis) as unknown as Expr[]
        const rejoined = F.concat(parts as never, axis) as unknown as Expr
        const inputs = Object.fromEntries(shapes.map((s, k) => [`x${k}`, rand(s, k)]))
        const outs = interpret([...parts.map((p) => p.node), rejoined.node, joined.node], { inputs, params: {} })
        shapes.forEach((_, k) => expect(outs[k]!.arraySync()).toEqual(inputs[`x${k}`]!.arraySync()))
        expect(outs[shapes.length]!.arraySync()).toEqual(outs[shapes.length + 1]!.arraySync())
      }),
      { numRuns: 25 },
    )
  })

  it('folds fills of one value, drops a concat of one input, and spells the axis non-negative', () => {
    const x = leaf('x', [2, 3])
    const y = mk('concat', [x], { axis: -1 })
    expect(topo(optimize([y])).some((n) => n.op === 'concat')).toBe(false)
    const f = mk('concat', [mk('fill', [], { value: 2 }, [2, 3], 'float32'), mk('fill', [], { value: 2 }, [2, 1], 'float32')], { axis: 1 })
    const [g] = optimize([f])
    expect(g!.op).toBe('fill')
    expect(g!.shape).toEqual([2, 4])
    const z = leaf('z', [2, 1])
    const [p, q] = optimize([mk('concat', [x, z], { axis: -1 }), mk('concat', [x, z], { axis: 1 })])
    expect(p).toBe(q)
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, joining channels of a conv net the layout pass moves to NHWC', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 6, 6], 'float32')
      const [w1, w2, v] = [param('w1', [3, 2, 3, 3]), param('w2', [2, 2, 1, 1]), param('v', [45, 4])]
      const c1 = mk('relu', [mk('conv2d', [x, w1], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })], {})
      const c2 = mk('conv2d', [x, w2], { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1], layout: 'NCHW' })
      const h = mk('concat', [c1, c2], { axis: 1 })
      const pooled = mk('avgPool2d', [h], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
      const y = mk('matMul', [mk('reshape', [pooled], { shape: ['N', 45] }), v], { transposeA: false, transposeB: false })
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x, w1, w2, v])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      const graph = optimize(roots, { fusion: { activations: fusedActivations(backend) } })
      // the join happened on the NHWC values: no 4-D transpose feeds a concat
      const joins = topo(graph).filter((n) => n.op === 'concat')
      expect(joins.length).toBeGreaterThan(0)
      expect(joins.flatMap((n) => n.inputs).filter((i) => i.op === 'transpose' && i.shape.length === 4)).toEqual([])
      expectOutputsClose(runLowered(graph, feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const x = input('x', ['N', 3, 4])
    const out = F.concat([F.tanh(x), x, F.sigmoid(x)], -1).node
    const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4], 3))
    expect(diff).toBeLessThan(1e-4)
  })
})

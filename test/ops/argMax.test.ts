/**
 * F.argmax end to end: its type and runtime shape rules with the same text, the index it gives is the
 * first maximum along the axis (fast-check over random shapes and axes, ties included), it passes no
 * gradient, the lowering equals the interpreter on cpu and wasm (on an NHWC conv output the layout pass
 * keeps it on the stored layout), and the ONNX export (ArgMax cast to int32) in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import * as ort from 'onnxruntime-web'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { lower } from '../../src/compile/lower.js'
import { inferenceForm } from '../../src/compile/modes.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk, topo } from '../../src/dsl/node.js'
import { ops } from '../../src/ops/index.js'
import { onnxModelProto } from '../../src/runtime/export/index.js'
import type { ArgmaxOut } from '../../src/types/rules/argmax.js'
import { leaf, useCpu } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, right } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

ort.env.wasm.numThreads = 1

const am = (x: Node, axis: number): Node => mk('argMax', [x], { axis })
const param = (name: string, shape: readonly number[]): Node => mk('param', [], { name, init: 'xavierUniform', fanIn: 4, fanOut: 4 }, shape, 'float32')

/** A random shape of rank 1 to 4, an axis of it (negative or not), and values from a few levels (so ties happen). */
const caseArb = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
      values: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
    }),
  )

/** The first index of the maximum along `axis`, by hand over row-major data. */
const firstArgmax = (values: readonly number[], shape: readonly number[], axis: number): number[] => {
  const a = axis < 0 ? axis + shape.length : axis
  const [outer, size, inner] = [shape.slice(0, a).reduce((p, d) => p * d, 1), shape[a]!, shape.slice(a + 1).reduce((p, d) => p * d, 1)]
  const out: number[] = []
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let best = 0
      for (let k = 1; k < size; k++) if (values[(o * size + k) * inner + i]! > values[(o * size + best) * inner + i]!) best = k
      out.push(best)
    }
  return out
}

describe('argmax', () => {
  it('is F.argmax: S without the axis, int32', () => {
    const y = F.argmax(input('x', ['N', 10]), -1)
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N'], 'int32'>>()
    expect(y.node.op).toBe('argMax')
    expect(y.shape).toEqual(['N'])
    expect(y.dtype).toBe('int32')
    const z = F.argmax(input('x', ['N', 3, 4, 5]), 1)
    expectTypeOf(z).toEqualTypeOf<Expr<readonly ['N', 4, 5], 'int32'>>()
    expect(z.shape).toEqual(['N', 4, 5])
    expectTypeOf<ArgmaxOut<readonly [2, 3, 4], -3>>().toEqualTypeOf<readonly [3, 4]>()
  })

  it("reports an axis out of range at the axis, with the runtime rule's text", () => {
    const x = input('x', ['N', 4, 8])
    // @ts-expect-error no axis 3
    expect(() => F.argmax(x, 3)).toThrow('ShapeError: argmax axis 3 out of range for [N, 4, 8]')
    expectTypeOf(F.argmax<readonly ['N', 4, 8], 3>).parameter(1).toEqualTypeOf<'ShapeError: argmax axis 3 out of range for [N, 4, 8]'>()
    // @ts-expect-error no axis -4
    expect(() => F.argmax(x, -4)).toThrow('ShapeError: argmax axis -4 out of range for [N, 4, 8]')
    expectTypeOf<ArgmaxOut<readonly ['N', 4, 8], -4>>().toEqualTypeOf<'ShapeError: argmax axis -4 out of range for [N, 4, 8]'>()
  })

  it('is the first index of the maximum along the axis, over random shapes and axes', async () => {
    await useCpu()
    fc.assert(
      fc.property(caseArb, ({ shape, axis, values }) => {
        const y = am(leaf('x', shape), axis)
        const [got] = interpret([y], { inputs: {}, params: { x: tf.tensor(values, shape) } })
        expect(got!.dtype).toBe('int32')
        expect(got!.shape).toEqual(shape.filter((_, i) => i !== (axis < 0 ? axis + shape.length : axis)))
        expect(Array.from(got!.dataSync())).toEqual(firstArgmax(values, shape, axis))
      }),
      { numRuns: 80 },
    )
  })

  it('passes no gradient, folds a constant input and a size-1 axis to zeros', () => {
    const x = leaf('x', [2, 3])
    const y = am(x, 1)
    expect(ops.argMax.grad(y as Node<'argMax'>, x, [true])).toEqual([undefined])
    // a float loss of x alongside the argmax: its gradient is that of the loss alone
    expect(grad(mk('sum', [x], { axes: [0, 1], keepDims: false }), [x])).toHaveLength(1)
    const fill = mk('fill', [], { value: 2 }, [2, 3], 'float32')
    expect(optimize([am(fill, -1)]).map((n) => [n.op, n.dtype, n.shape])).toEqual([['fill', 'int32', [2]]])
    expect(optimize([am(leaf('y', [2, 1, 3]), 1)]).map((n) => [n.op, n.dtype, n.shape])).toEqual([['fill', 'int32', [2, 3]]])
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, and stays on the NHWC layout of a conv output', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 6, 6], 'float32')
      const conv = mk('conv2d', [x, param('w', [5, 2, 3, 3])], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
      const h = mk('relu', [conv], {})
      const roots = [am(h, 1), am(h, -1), am(x, 0)]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      const graph = optimize(roots)
      expect(topo(graph).some((n) => (n.attrs as { layout?: string }).layout === 'NHWC')).toBe(true)
      const overChannels = topo(graph).find((n) => n.op === 'argMax' && n.shape.length === 3 && n.shape[1] === 6 && n.shape[2] === 6)!
      expect(overChannels.inputs[0]!.op).not.toBe('transpose')
      expectOutputsClose(runLowered(graph, feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web gives the same indices', async () => {
    const out = F.argmax(F.tanh(input('x', ['N', 3, 4, 5])), 1).node
    const bytes = right(onnxModelProto(out, {}))
    const x = randomInput([2, 3, 4, 5], 3)
    const session = await ort.InferenceSession.create(bytes)
    const result = await session.run({ x: new ort.Tensor('float32', x.data, [...x.shape]) })
    const y = result[session.outputNames[0]!]!
    await session.release()
    expect(y.type).toBe('int32')
    expect(y.dims).toEqual([2, 4, 5])
    await useCpu()
    const f = lower(inferenceForm([out]), { backend: 'cpu' })
    const [ours] = f({ inputs: { x: tf.tensor(x.data, [...x.shape]) }, params: {} })
    expect(Array.from(y.data as Int32Array)).toEqual(Array.from(ours!.dataSync()))
    f.dispose()
  })
})

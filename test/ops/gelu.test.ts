/**
 * gelu end to end: PyTorch's values and derivatives (nn.GELU(), exact erf form), its gradient against
 * finite differences and against tfjs's own gradient of the same composition, the lowering against the
 * interpreter on cpu and wasm (forward and gradients, inside a conv net the layout pass moves to NHWC),
 * and the ONNX export in onnxruntime-web.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { fusedActivations } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Expr, input } from '../../src/dsl/expr.js'
import * as F from '../../src/dsl/fn.js'
import { type Node, mk, topo } from '../../src/dsl/node.js'
import { ops } from '../../src/ops/index.js'
import { checkGrads, leaf, useCpu, weightedSum, expectCentralDifferences } from '../compile/support.js'
import { reference, runLowered } from '../compile/lower/support.js'
import { randomInput, roundTrip } from '../runtime/export/support.js'
import { BACKENDS, useBackend } from '../support/backends.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const xs = [-3, -1, -0.5, 0, 0.5, 1, 3]
// torch.nn.functional.gelu in float64 and its derivative (torch 2, approximate='none')
const torchGelu = [-0.00404969409489031, -0.15865525393145702, -0.15426876936299344, 0, 0.34573123063700656, 0.841344746068543, 2.99595030590511]
const torchGrad = [-0.01194564720418392, -0.08331547058768635, 0.13250487534383712, 0.5, 0.8674951246561629, 1.0833154705876864, 1.011945647204184]

const param = (name: string, shape: readonly number[]): Node => mk('param', [], { name, init: 'xavierUniform', fanIn: 4, fanOut: 4 }, shape, 'float32')

describe('gelu', () => {
  it("is F.gelu: S -> S, an elementwise op", () => {
    const y = F.gelu(input('x', ['N', 10]))
    expectTypeOf(y).toEqualTypeOf<Expr<readonly ['N', 10], 'float32'>>()
    expect(y.node.op).toBe('gelu')
    expect(y.shape).toEqual(['N', 10])
    expect(ops.gelu.elementwise).toBe('unary')
  })

  it("matches PyTorch's values and derivatives", async () => {
    await useCpu()
    const x = leaf('x', [xs.length])
    const y = mk('gelu', [x], {})
    const [dx] = grad(mk('sum', [y], { axes: [0], keepDims: false }), [x])
    const [value, slope] = interpret([y, dx!], { inputs: {}, params: { x: tf.tensor1d(xs) } })
    value!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(torchGelu[i]!, 6))
    slope!.dataSync().forEach((v, i) => expect(v).toBeCloseTo(torchGrad[i]!, 6))
  })

  it('has the gradient finite differences give', async () => {
    await useCpu()
    const x = leaf('x', [2, 40])
    const f = weightedSum(mk('gelu', [x], {}))
    const [dx] = grad(f, [x])
    const v = Float32Array.from({ length: 80 }, (_, i) => -4 + (8 * i) / 79)
    const w = tf.tensor2d(Float32Array.from({ length: 80 }, (_, i) => 1 + (i % 3)), [2, 40])
    expectCentralDifferences({ f, dx: dx!, x: 'x', shape: [2, 40], v, inputs: { w }, stride: 7 })
  })

  it("has tfjs's gradient of x * 0.5 * (1 + erf(x / sqrt 2))", async () => {
    await useCpu()
    const value = tf.tensor2d(Float32Array.from({ length: 24 }, (_, i) => -3 + i / 4), [4, 6])
    checkGrads([{ shape: [4, 6], value }], ([p]) => mk('gelu', [p!], {}), ([x]) => tf.mul(tf.mul(x!, 0.5), tf.add(1, tf.erf(tf.div(x!, Math.SQRT2)))))
  })

  describe.each(BACKENDS)('lowered on %s', (backend) => {
    it('equals the interpreter, forward and gradients, in a conv net the layout pass moves to NHWC', async () => {
      const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 6, 6], 'float32')
      const [w, b, v] = [param('w', [3, 2, 3, 3]), param('b', [3]), param('v', [27, 4])]
      const conv = mk('conv2d', [x, w], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
      const h = mk('gelu', [mk('add', [conv, mk('reshape', [b], { shape: [1, 3, 1, 1] })], {})], {})
      const pooled = mk('avgPool2d', [h], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
      const y = mk('gelu', [mk('matMul', [mk('reshape', [pooled], { shape: ['N', 27] }), v], { transposeA: false, transposeB: false })], {})
      const loss = mk('mean', [mk('square', [y], {})], { axes: [0, 1], keepDims: false })
      const roots = [y, loss, ...grad(loss, [x, w, b, v])]
      const feeds = hostFeeds(roots, 3)
      const want = await reference(roots, feeds)
      await useBackend(backend)
      const graph = optimize(roots, { fusion: { activations: fusedActivations(backend) } })
      // the layout pass kept gelu and its gradient on the NHWC values: no transpose feeds them
      const geluNodes = topo(graph).filter((n) => n.op === 'gelu' || n.op === 'geluGrad')
      expect(geluNodes.flatMap((n) => n.inputs).filter((i) => i.op === 'transpose' && i.shape.length === 4)).toEqual([])
      expectOutputsClose(runLowered(graph, feeds), want, backend)
    })
  })

  it('exports to ONNX: onnxruntime-web matches the lowering within 1e-4', async () => {
    const out = F.gelu(input('x', ['N', 3, 4, 4])).node
    const { diff } = await roundTrip(out, {}, randomInput([2, 3, 4, 4], 3, -4, 4))
    expect(diff).toBeLessThan(1e-4)
  })
})

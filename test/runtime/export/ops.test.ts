/**
 * ONNX export op by op: each exportable op (and layer) in a small graph over seeded values, run in
 * onnxruntime-web and compared with typegrad's cpu lowering within 1e-4; shapes chosen so a wrong
 * convention shows (asymmetric pads, non-square outputs, transposed operands, moved symbolic dims).
 * Then the Lefts: missing or misshaped params, ops with no inference form, bad options.
 */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { input, intInput } from '../../../src/dsl/expr.js'
import * as F from '../../../src/dsl/fn.js'
import { batchNorm1d, batchNorm2d } from '../../../src/dsl/layers/batchNorm.js'
import { mul as lit } from '../../../src/dsl/layers/config.js'
import { conv2d } from '../../../src/dsl/layers/conv2d.js'
import { dropout, logSoftmax, sigmoid, softmax, tanh } from '../../../src/dsl/layers/elementwise.js'
import { linear } from '../../../src/dsl/layers/linear.js'
import { avgPool2d, maxPool2d } from '../../../src/dsl/layers/pool.js'
import { flatten, reshape as reshapeLayer } from '../../../src/dsl/layers/structure.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import type { Activation, Op, OpAttrs } from '../../../src/dsl/ops.js'
import type { RShape } from '../../../src/dsl/shape.js'
import { sequential } from '../../../src/dsl/sequential.js'
import { ExportError, onnxModelProto, onnxRules } from '../../../src/runtime/export/index.js'
import { left, randomInput, randomParams, roundTrip } from './support.js'

const TOL = 1e-4
const N = 5
const X = ['N', 3, 8, 8] as const

const x = (): Node => input('x', X).node
const param = (name: string, shape: RShape, fanIn = 1): Node =>
  mk('param', [], { name, init: 'zeros', fanIn, fanOut: 1 }, shape, 'float32')
const one = (): Node => mk('fill', [], { value: 1 }, [], 'float32')
const op = <O extends Op>(o: O, ins: readonly Node[], attrs: OpAttrs[O]): Node => mk(o, ins, attrs)
const un = (o: 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'sigmoid' | 'relu' | 'tanh', a: Node) => op(o, [a], {})
const bin = (o: 'add' | 'sub' | 'mul' | 'div' | 'greater', a: Node, b: Node) => op(o, [a, b], {})
const add = (...xs: Node[]): Node => xs.reduce((a, b) => bin('add', a, b))
const matMul = (a: Node, b: Node, transposeA: boolean, transposeB: boolean) => op('matMul', [a, b], { transposeA, transposeB })
const reshape = (a: Node, shape: RShape) => op('reshape', [a], { shape })
const transpose = (a: Node, perm: readonly number[]) => op('transpose', [a], { perm })
const reduce = (o: 'sum' | 'mean' | 'max', a: Node, axes: readonly number[], keepDims: boolean) => op(o, [a], { axes, keepDims })
const toNhwc = (a: Node) => transpose(a, [0, 2, 3, 1])
const nchwConv = { layout: 'NCHW' } as const

/** A graph over x [N, 3, 8, 8] (or its own input), its input batch, and export options. */
interface Case {
  readonly name: string
  readonly out: () => Node
  readonly batch?: readonly number[]
  readonly opset?: number
}

const cases: readonly Case[] = [
  {
    name: 'unary ops (neg, exp, log, sqrt, square, sigmoid, relu, tanh) and a scalar fill',
    out: () => {
      const v = x()
      return add(un('tanh', un('sigmoid', un('neg', v))), un('relu', v), un('sqrt', add(un('square', v), one())), un('log', add(un('exp', v), one())))
    },
  },
  {
    name: 'broadcasting add / sub / mul / div with lower-rank operands on either side',
    out: () => {
      const v = x()
      const a = bin('add', v, param('c11', [3, 1, 1]))
      const s = bin('sub', a, param('w8', [8]))
      const m = bin('mul', s, param('h1', [1, 8, 1]))
      const d = bin('div', m, add(un('square', param('c18', [3, 1, 8])), one()))
      return add(d, bin('sub', param('w8', [8]), v))
    },
  },
  {
    name: 'greater (a float 0/1) in both operand orders',
    out: () => {
      const v = x()
      return add(bin('mul', bin('greater', v, param('w8', [8])), v), bin('greater', param('c11', [3, 1, 1]), v))
    },
  },
  {
    name: 'matMul with every combination of transposes',
    out: () => {
      const h = reshape(x(), ['N', 192])
      const ht = transpose(h, [1, 0])
      const [w, wt] = [param('w', [192, 7], 192), param('wt', [7, 192], 192)]
      return add(matMul(h, w, false, false), matMul(h, wt, false, true), matMul(ht, w, true, false), matMul(ht, wt, true, true))
    },
  },
  {
    name: 'fused matMul and conv built by hand (tanh, sigmoid, NHWC, no bias)',
    out: () => {
      const v = x()
      const h = reshape(v, ['N', 192])
      const fm = (ins: Node[], ta: boolean, tb: boolean, activation: Activation) => op('fusedMatMul', ins, { transposeA: ta, transposeB: tb, activation })
      const dense = add(
        fm([h, param('wt4', [4, 192], 192), param('b4', [4])], false, true, 'tanh'),
        fm([transpose(h, [1, 0]), param('w4', [192, 4], 192)], true, false, 'linear'),
      )
      const conv = { strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1] } as const
      const c1 = op('fusedConv2d', [v, param('f', [4, 3, 3, 3], 27), param('b4', [4])], { ...conv, ...nchwConv, activation: 'sigmoid' })
      const c2 = op('fusedConv2d', [toNhwc(v), param('fhwio', [3, 3, 3, 4], 27), param('b4', [4])], { ...conv, layout: 'NHWC', activation: 'relu' })
      const images = add(c1, transpose(c2, [0, 3, 1, 2]))
      return add(reshape(images, ['N', 4, -1]), reshape(dense, ['N', 4, 1]))
    },
  },
  { name: 'transpose of a 4-D tensor (batch moved to axis 1)', out: () => transpose(x(), [1, 0, 3, 2]) },
  {
    name: 'sum / mean / max over axes with keepDims',
    out: () => {
      const v = x()
      return add(reduce('sum', v, [2, 3], true), reduce('mean', v, [1], true), reduce('max', v, [-1], true), reduce('sum', v, [], true))
    },
  },
  {
    name: 'sum / mean / max over axes with keepDims, opset 18 (axes as inputs)',
    opset: 18,
    out: () => {
      const v = x()
      return add(reduce('sum', v, [2, 3], true), reduce('mean', v, [1], true), reduce('max', v, [-1], true))
    },
  },
  {
    name: 'sum / mean / max dropping the reduced axes',
    out: () => {
      const v = x()
      return add(reduce('mean', v, [1, 2], false), reduce('max', v, [1, -2], false), reduce('sum', v, [2, 1], false))
    },
  },
  { name: 'sum of everything to a scalar', out: () => F.sum(input('x', X)).node },
  {
    name: 'softmax on axis 1 of a 3-D tensor and logSoftmax on the last',
    out: () => {
      const r = reshape(x(), ['N', 3, 64])
      return add(op('softmax', [r], { axis: 1 }), op('logSoftmax', [r], { axis: -1 }))
    },
  },
  {
    name: 'avgPool2d with asymmetric padding (not counted), non-square kernel and strides',
    out: () => op('avgPool2d', [x()], { kernel: [3, 2], strides: [2, 1], pad: [1, 0, 0, 1], ...nchwConv }),
  },
  {
    name: 'avgPool2d with symmetric padding (layer)',
    out: () => avgPool2d({ kernel: 3, stride: 2, padding: 1 })(input('x', X)).node,
  },
  {
    name: 'maxPool2d with padding over negative values (padding never wins)',
    out: () => {
      const neg = bin('sub', x(), mk('fill', [], { value: 2 }, [], 'float32'))
      return add(op('maxPool2d', [neg], { kernel: [3, 3], strides: [2, 2], pad: [1, 1, 1, 1], ...nchwConv }), op('maxPool2d', [neg], { kernel: [2, 3], strides: [2, 2], pad: [0, 1, 1, 1], ...nchwConv }))
    },
  },
  {
    name: 'conv2d with stride, dilation and four different pads',
    out: () => op('conv2d', [x(), param('f', [4, 3, 3, 3], 27)], { strides: [2, 1], dilations: [1, 2], pad: [0, 2, 1, 3], ...nchwConv }),
  },
  {
    name: 'conv2d with stride and dilation both 2',
    out: () => op('conv2d', [x(), param('f', [4, 3, 3, 3], 27)], { strides: [2, 2], dilations: [2, 2], pad: [1, 0, 2, 1], ...nchwConv }),
  },
  {
    name: 'NHWC conv2d / avgPool2d / maxPool2d (wrapped in transposes)',
    out: () => {
      const c = op('conv2d', [toNhwc(x()), param('fhwio', [3, 3, 3, 4], 27)], { strides: [1, 2], dilations: [1, 1], pad: [1, 2, 0, 1], layout: 'NHWC' })
      const pool = { kernel: [2, 2], strides: [2, 1], pad: [0, 1, 1, 0], layout: 'NHWC' } as const
      return add(op('avgPool2d', [c], pool), op('maxPool2d', [c], pool))
    },
  },
  {
    name: 'layers: conv "same" (asymmetric), batch norms, activations, pools, flatten, linear, dropout, softmaxes',
    out: () =>
      sequential(
        X,
        conv2d(3, 6, { kernel: 4, padding: 'same' }), batchNorm2d(6), tanh(),
        maxPool2d({ kernel: 2 }),
        flatten(),
        linear(lit(6, 4, 4), 12), batchNorm1d(12), sigmoid(), dropout(0.3),
        reshapeLayer([-1, 3, 4]), softmax(1), reshapeLayer([-1, 12]),
        linear(12, 5), logSoftmax(),
      )(input('x', X)).node,
  },
  {
    name: 'batch norm over the last axis (composed from elementwise ops) and over axis 1 of a 3-D tensor',
    out: () => {
      const v = x()
      const stats = (c: number, tag: string) => ['gamma', 'beta', 'runningMean', 'runningVar'].map((n) => param(`${tag}.${n}`, [c]))
      const last = op('batchNorm', [v, ...stats(8, 'bnLast')], { axis: -1, eps: 1e-3, momentum: 0.1 })
      const seq = op('batchNorm', [reshape(v, ['N', 3, 64]), ...stats(3, 'bnSeq')], { axis: 1, eps: 1e-5 })
      return add(last, reshape(seq, ['N', 3, 8, 8]))
    },
  },
  {
    name: 'training-mode batch norm without running statistics (the batch statistics)',
    out: () => op('batchNorm', [x(), param('g3', [3]), param('b3', [3])], { axis: 1, eps: 1e-5 }),
  },
  {
    name: 'fills and broadcastTo, with a symbolic batch dim and without',
    out: () => {
      const v = x()
      const fills = add(mk('fill', [], { value: 0.25 }, ['N', 3, 1, 1], 'float32'), mk('fill', [], { value: -0.5 }, [3, 1, 8], 'float32'))
      return bin('mul', add(v, fills), op('broadcastTo', [param('c1311', [1, 3, 1, 1])], { shape: X }))
    },
  },
  {
    name: 'reshapes that move symbolic dims (shape computed at run time)',
    batch: [3, 5, 6],
    out: () => {
      const s = input('s', ['B', 'T', 6]).node
      const swapped = reshape(s, ['T', 'B', 6])
      const merged = reshape(s, [-1, 6])
      return add(transpose(swapped, [1, 0, 2]), reshape(merged, ['B', 'T', 6]), s)
    },
  },
]

describe('every exportable op matches typegrad in onnxruntime-web', () => {
  it.each(cases)('$name', async (c) => {
    const out = c.out()
    const batch = c.batch ?? [N, 3, 8, 8]
    const r = await roundTrip(out, randomParams(out), randomInput(batch, 3), c.opset === undefined ? {} : { opset: c.opset })
    expect(r.diff).toBeLessThanOrEqual(TOL)
  })

  it.each([13, 21])('the layers and reductions export the same at opset %i', async (opset) => {
    for (const c of cases.filter((k) => k.name.startsWith('layers') || k.name.startsWith('sum / mean / max'))) {
      const out = c.out()
      const r = await roundTrip(out, randomParams(out), randomInput([N, 3, 8, 8], 3), { opset })
      expect(r.diff, c.name).toBeLessThanOrEqual(TOL)
    }
  })
})

describe('what cannot be exported is a Left that says why', () => {
  const model = () => sequential(X, conv2d(3, 4, { kernel: 3 }), flatten(), linear(lit(4, 6, 6), 2))
  const lenetLike = () => model()(input('x', X)).node
  const paramsOf = (out: Node) => randomParams(out)
  const failure = (e: E.Either<ExportError, unknown>): ExportError => {
    const l = left(e)
    expect(l).toBeInstanceOf(ExportError)
    expect(l._tag).toBe('ExportError')
    return l
  }

  it('a missing param names the param and its shape', () => {
    const out = lenetLike()
    const { ['0.weight']: _dropped, ...rest } = paramsOf(out)
    const e = failure(onnxModelProto(out, rest))
    expect(e.message).toBe("no value for param '0.weight' [4, 3, 3, 3]")
    expect(e.node?.op).toBe('param')
  })

  it('a misshaped param names both shapes', () => {
    const out = lenetLike()
    const params = { ...paramsOf(out), '2.weight': { shape: [2, 100], data: new Float32Array(200) } }
    expect(failure(onnxModelProto(out, params)).message).toBe("param '2.weight' has shape [2, 100] but the graph needs [2, 144]")
    const short = { ...paramsOf(out), '0.bias': { shape: [4], data: new Float32Array(3) } }
    expect(failure(onnxModelProto(out, short)).message).toBe("param '0.bias' [4] holds 3 values instead of 4")
  })

  it('gradient primitives and batch statistics name the op', () => {
    const v = x()
    const grad = op('reluGrad', [un('relu', v), v], {})
    expect(failure(onnxModelProto(grad, {})).message).toMatch(/^cannot export op reluGrad \(node #\d+\): a gradient primitive/)
    const stat = op('channelStat', [v], { axis: 1, stat: 'mean' })
    expect(failure(onnxModelProto(stat, {})).message).toMatch(/^cannot export op channelStat/)
    const pooled = op('avgPool2dGrad', [op('avgPool2d', [v], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], ...nchwConv })], {
      kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], ...nchwConv, inputShape: X,
    })
    const e = failure(onnxModelProto(pooled, {}))
    expect(e.message).toMatch(/^cannot export op avgPool2dGrad/)
    expect(e.node).toBe(pooled)
  })

  it('every op that is not in an inference graph has a failing rule', () => {
    const v = x()
    const inert = ['softmaxCrossEntropy', 'correctCount', 'channelStat', 'conv2dFilterGrad', 'conv2dInputGrad', 'avgPool2dGrad', 'maxPool2dGrad', 'sigmoidGrad', 'reluGrad', 'tanhGrad', 'softmaxCrossEntropyGrad', 'batchNormGrad'] as const
    for (const o of inert) {
      const rule = onnxRules[o] as (ins: readonly string[], a: unknown, cx: unknown) => E.Either<ExportError, string>
      const r = rule(['a', 'b'], {}, { node: { ...v, op: o, id: 1 }, b: undefined, params: {} })
      expect(left(r).message).toMatch(new RegExp(`^cannot export op ${o} \\(node #1\\): `))
    }
  })

  it('a loss reads labels: the graph is not one input', () => {
    const logits = lenetLike()
    const loss = F.crossEntropy(model()(input('x', X)), intInput('y', ['N'])).node
    expect(failure(onnxModelProto(loss, paramsOf(logits))).message).toBe(
      "cannot export a graph with inputs 'x' (float32), 'y' (int32): it must read exactly one input (a loss also reads labels; export the logits)",
    )
  })

  it('bad options', () => {
    const out = lenetLike()
    expect(failure(onnxModelProto(out, paramsOf(out), { opset: 12 })).message).toBe('cannot export to opset 12: supported opsets are 13..21')
    expect(failure(onnxModelProto(out, paramsOf(out), { inputName: '0.weight' })).message).toBe("the input name '0.weight' is also a param's name")
    expect(failure(onnxModelProto(out, paramsOf(out), { outputName: 'x' })).message).toBe("the output name 'x' is already the name of an input or param")
  })
})

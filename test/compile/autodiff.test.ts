/** Structural properties of autodiff: plain IR out, zeros for unreachable params, fan-out, errors, symbolic dims. */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { GradError, grad, tryGrad } from '../../src/compile/autodiff.js'
import { interpret } from '../../src/compile/interpret.js'
import { mk } from '../../src/dsl/node.js'
import { expectClose, leaf, rand, useCpu } from './support.js'

beforeAll(useCpu)

const scalarSum = (x: ReturnType<typeof leaf>) => mk('sum', [x], { axes: x.shape.map((_, i) => i), keepDims: false })

describe('grad', () => {
  it('gives zeros for a param the loss does not use, of that param\'s shape', () => {
    const [a, b] = [leaf('a', [2]), leaf('b', [3, 1])]
    const [, gb] = grad(scalarSum(mk('exp', [a], {})), [a, b])
    expect(gb!.op).toBe('fill')
    expect(gb!.shape).toEqual([3, 1])
  })

  it('accumulates fan-out: d/dx sum(x * x + x) = 2x + 1', () => {
    const x = leaf('x', [4])
    const [g] = grad(scalarSum(mk('add', [mk('mul', [x, x], {}), x], {})), [x])
    const xv = rand([4], 3)
    const [got] = interpret([g!], { inputs: {}, params: { x: xv } })
    expectClose(got!, tf.add(tf.mul(xv, 2), 1), 1e-6, 1e-6)
  })

  it('differentiates means over a symbolic batch dim N (1/N computed in the graph)', () => {
    const x = mk('param', [], { name: 'x', init: 'zeros', fanIn: 1, fanOut: 1 }, ['N', 3], 'float32')
    const [g] = grad(mk('mean', [x], { axes: [0, 1], keepDims: false }), [x])
    // x itself is not in the gradient graph, so N cannot be learned from it: bind it explicitly
    const [got] = interpret([g!], { inputs: {}, params: {}, bindings: { N: 5 } })
    expectClose(got!, tf.fill([5, 3], 1 / 15), 1e-6, 1e-7)
  })

  it('refuses second derivatives with a GradError naming the op', () => {
    const x = leaf('x', [2])
    const g = mk('sigmoidGrad', [x, x], {})
    expect(() => grad(scalarSum(g as never), [x])).toThrow(/cannot differentiate sigmoidGrad/)
    const r = tryGrad(scalarSum(g as never), [x])
    expect(E.isLeft(r) && r.left instanceof GradError).toBe(true)
  })
})

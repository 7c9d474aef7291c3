/**
 * The gradient graph of LeNet's loss (mean softmax cross-entropy of its logits against int labels)
 * w.r.t. all params, evaluated by the interpreter, equals tfjs's tape gradients of the same network
 * written directly in tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { y as logits } from '../../examples/lenet.js'
import { valueAndGrad } from '../../src/compile/autodiff.js'
import { graphOf } from '../../src/compile/graph.js'
import { interpret } from '../../src/compile/interpret.js'
import { intInput } from '../../src/dsl/expr.js'
import { mk, topo } from '../../src/dsl/node.js'
import { crossEntropyTf, lenetParams, lenetTf } from './lenetTf.js'
import { expectClose, rand, useCpu } from './support.js'

beforeAll(useCpu)

describe('LeNet gradients', () => {
  it('match tfjs tape gradients for every param', () => {
    const labels = intInput('y', ['N'])
    const loss = mk('softmaxCrossEntropy', [logits.node, labels.node], {})
    const { params } = graphOf([loss])
    const { value, grads } = valueAndGrad(loss, params)
    expect(grads.map((g) => g.shape)).toEqual(params.map((p) => p.shape))
    // only what the params need: the input image gets no gradient, so no conv2dInputGrad on the first conv
    expect(topo(grads).filter((n) => n.op === 'conv2dInputGrad')).toHaveLength(1)

    const p = lenetParams(1)
    const x = rand([4, 1, 28, 28], 2, 0, 1)
    const y = tf.tensor1d([3, 0, 9, 3], 'int32')
    const [l, ...ours] = interpret([value, ...grads], { inputs: { x, y }, params: p })
    const names = params.map((n) => n.attrs.name)
    const vars = Object.fromEntries(names.map((n) => [n, tf.variable(p[n]!, true, `lenet.${n}`)]))
    const { value: refLoss, grads: theirs } = tf.variableGrads(() => crossEntropyTf(lenetTf(x, vars), y) as tf.Scalar, Object.values(vars))
    expectClose(l!, refLoss, 1e-5, 1e-6, 'loss')
    names.forEach((n, i) => {
      const ref = theirs[vars[n]!.name]!
      const scale = Math.max(...Array.from(tf.abs(ref).dataSync()))
      expectClose(ours[i]!, ref, 1e-3, 1e-4 * scale, `d loss / d ${n}`)
    })
  })
})

import * as tf from '@tensorflow/tfjs-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { y as lenetLogits } from '../../examples/lenet.js'
import { InterpretError, interpret } from '../../src/compile/interpret.js'
import { mk } from '../../src/dsl/node.js'
import { lenetParams, lenetTf } from './lenetTf.js'
import { expectClose, rand, useCpu } from './support.js'

beforeAll(useCpu)

describe('interpret', () => {
  it('runs LeNet like the same network written in tfjs ops, binding N from the input', () => {
    const params = lenetParams(0)
    const x = rand([3, 1, 28, 28], 1, 0, 1)
    const [ours] = interpret([lenetLogits.node], { inputs: { x }, params })
    expect(ours!.shape).toEqual([3, 10])
    expectClose(ours!, lenetTf(x, params), 1e-5, 1e-5, 'logits')
  })

  it('averages pooling windows over their non-padding elements only', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2])
    const xn = mk('input', [], { name: 'x', dtype: 'float32' }, [1, 1, 2, 2], 'float32')
    const pool = mk('avgPool2d', [xn], { kernel: [2, 2], strides: [1, 1], pad: [1, 1, 1, 1], layout: 'NCHW' })
    const [y] = interpret([pool], { inputs: { x }, params: {} })
    // corners see one element, edges two, the centre all four
    expect(Array.from(y!.dataSync())).toEqual([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])
  })

  it('reports a fed tensor whose shape does not fit, and conflicting symbolic dims', () => {
    const a = mk('input', [], { name: 'a', dtype: 'float32' }, ['N', 3], 'float32')
    const b = mk('input', [], { name: 'b', dtype: 'float32' }, ['N', 3], 'float32')
    const s = mk('add', [a, b], {})
    expect(() => interpret([s], { inputs: { a: tf.zeros([2, 4]), b: tf.zeros([2, 3]) }, params: {} })).toThrow(InterpretError)
    expect(() => interpret([s], { inputs: { a: tf.zeros([2, 3]), b: tf.zeros([5, 3]) }, params: {} })).toThrow(/dim 'N' is 2 elsewhere but 5/)
    expect(() => interpret([s], { inputs: { a: tf.zeros([2, 3]) }, params: {} })).toThrow(/no tensor fed for input 'b'/)
  })
})

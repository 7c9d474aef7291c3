/** CSE merges nodes that differ only in how their attrs are spelled. */
import { beforeAll, describe, expect, it } from 'vitest'
import { cse } from '../../../src/compile/passes/cse.js'
import { mk } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectPassPreserves } from './semantics.js'

beforeAll(useCpu)

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 4], 'float32')

describe('cse', () => {
  it('merges softmax over axis -1 and axis 2', () => {
    const [a, b] = expectPassPreserves(cse, [mk('softmax', [x], { axis: -1 }), mk('softmax', [x], { axis: 2 })])
    expect(a).toBe(b)
  })

  it('merges reductions over the same axes in another order or spelling', () => {
    const [a, b] = expectPassPreserves(cse, [
      mk('sum', [x], { axes: [2, 0], keepDims: true }),
      mk('sum', [x], { axes: [0, -1], keepDims: true }),
    ])
    expect(a).toBe(b)
  })

  it('merges a reshape with -1 and its resolved twin, and their users', () => {
    const [a, b] = expectPassPreserves(cse, [
      mk('sigmoid', [mk('reshape', [x], { shape: ['N', -1] })], {}),
      mk('sigmoid', [mk('reshape', [x], { shape: ['N', 12] })], {}),
    ])
    expect(a).toBe(b)
  })
})

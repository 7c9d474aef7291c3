/** Targeted algebraic simplifications: each identity disappears, and nothing unsafe is rewritten. */
import { beforeAll, describe, expect, it } from 'vitest'
import { simplify } from '../../../src/compile/passes/simplify.js'
import { opCounts } from '../../../src/compile/print.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectPassPreserves } from './semantics.js'

beforeAll(useCpu)

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 4], 'float32')
const fill = (v: number, shape: readonly (number | string)[] = []) => mk('fill', [], { value: v }, shape, 'float32')
const one = (n: Node) => expectPassPreserves(simplify, [n])[0]!

describe('simplify', () => {
  it.each([
    ['x*1', () => mk('mul', [x, fill(1)], {})],
    ['1*x', () => mk('mul', [fill(1), x], {})],
    ['x+0', () => mk('add', [x, fill(0)], {})],
    ['0+x', () => mk('add', [fill(0), x], {})],
    ['x-0', () => mk('sub', [x, fill(0)], {})],
    ['x/1', () => mk('div', [x, fill(1, [4])], {})],
    ['neg(neg x)', () => mk('neg', [mk('neg', [x], {})], {})],
    ['reshape to the same shape', () => mk('reshape', [x], { shape: ['N', 3, 4] })],
    ['reshape(reshape x) back', () => mk('reshape', [mk('reshape', [x], { shape: ['N', 12] })], { shape: ['N', 3, 4] })],
    ['identity transpose', () => mk('transpose', [x], { perm: [0, 1, 2] })],
    ['transpose(transpose x) = id', () => mk('transpose', [mk('transpose', [x], { perm: [1, 2, 0] })], { perm: [2, 0, 1] })],
    ['sum over no axes', () => mk('sum', [x], { axes: [], keepDims: false })],
    ['dropout rate 0', () => mk('dropout', [x], { rate: 0, stream: '3' })],
  ])('%s -> x', (_, make) => {
    expect(one(make())).toBe(x)
  })

  it('reshape(reshape x) becomes one reshape', () => {
    const r = one(mk('reshape', [mk('reshape', [x], { shape: ['N', 12] })], { shape: ['N', 2, 6] }))
    expect(r.op).toBe('reshape')
    expect(r.inputs[0]).toBe(x)
  })

  it('transpose(transpose x) becomes one transpose with the composed permutation', () => {
    const r = one(mk('transpose', [mk('transpose', [x], { perm: [1, 2, 0] })], { perm: [0, 2, 1] }))
    expect(r.op).toBe('transpose')
    expect(r.inputs[0]).toBe(x)
  })

  it('a transpose that only moves size-1 dims becomes a reshape', () => {
    const b = mk('param', [], { name: 'b', init: 'zeros', fanIn: 1, fanOut: 1 }, [1, 5, 1, 1], 'float32')
    const r = one(mk('transpose', [b], { perm: [0, 2, 3, 1] }))
    expect(r.op).toBe('reshape')
    expect(r.shape).toEqual([1, 1, 1, 5])
  })

  it('0-x becomes neg x', () => {
    expect(one(mk('sub', [fill(0), x], {})).op).toBe('neg')
  })

  it('keeps x*1 when the fill broadcasts x to a bigger shape', () => {
    const r = one(mk('mul', [x, fill(1, [2, 'N', 3, 4])], {}))
    expect(r.op).toBe('mul')
  })

  it('keeps x*0 (0 * Inf is NaN)', () => {
    expect(opCounts([one(mk('mul', [x, fill(0)], {}))]).mul).toBe(1)
  })

  it('simplifies nested identities to a fixed point', () => {
    const inner = mk('add', [mk('mul', [mk('neg', [mk('neg', [x], {})], {}), fill(1)], {}), fill(0)], {})
    expect(one(mk('sigmoid', [inner], {})).inputs[0]).toBe(x)
  })
})

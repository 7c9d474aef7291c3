/** Constant folding of fill-only subtrees. */
import { beforeAll, describe, expect, it } from 'vitest'
import { fold } from '../../../src/compile/passes/fold.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectPassPreserves } from './semantics.js'

beforeAll(useCpu)

const fill = (v: number, shape: readonly (number | string)[] = []) => mk('fill', [], { value: v }, shape, 'float32')
const folded = (n: Node): Node => expectPassPreserves(fold, [n])[0]!
const valueOf = (n: Node): number => (n as Node<'fill'>).attrs.value

describe('fold', () => {
  it('folds a binary op of fills, broadcasting the shape', () => {
    const r = folded(mk('add', [fill(2, [3, 1]), fill(0.5, [4])], {}))
    expect(r.op).toBe('fill')
    expect(r.shape).toEqual([3, 4])
    expect(valueOf(r)).toBe(2.5)
  })

  it('folds a chain: sum(transpose(sigmoid(fill) * fill)) to one fill', () => {
    const c = mk('mul', [mk('sigmoid', [fill(0, [2, 3])], {}), fill(4, [2, 3])], {})
    const r = folded(mk('sum', [mk('transpose', [c], { perm: [1, 0] })], { axes: [1], keepDims: false }))
    expect(r.op).toBe('fill')
    expect(r.shape).toEqual([3])
    expect(valueOf(r)).toBe(4) // sigmoid(0) * 4 summed over 2
  })

  it('folds mean, max, reshape, softmax and matMul of fills', () => {
    expect(valueOf(folded(mk('mean', [fill(3, [2, 5])], { axes: [0, 1], keepDims: false })))).toBe(3)
    expect(valueOf(folded(mk('max', [fill(-1, [2, 5])], { axes: [1], keepDims: true })))).toBe(-1)
    expect(folded(mk('reshape', [fill(7, [2, 6])], { shape: [3, -1] })).shape).toEqual([3, 4])
    expect(valueOf(folded(mk('softmax', [fill(9, [2, 4])], { axis: -1 })))).toBe(0.25)
    expect(valueOf(folded(mk('matMul', [fill(2, [2, 3]), fill(5, [3, 4])], { transposeA: false, transposeB: false })))).toBe(30)
  })

  it('does not fold a sum over the symbolic batch', () => {
    const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3], 'float32') // binds N when run
    const [r] = expectPassPreserves(fold, [mk('sum', [fill(1, ['N', 3])], { axes: [0], keepDims: false }), x])
    expect(r!.op).toBe('sum')
  })

  it('leaves ops with a non-fill input alone', () => {
    const x = mk('input', [], { name: 'x', dtype: 'float32' }, [3], 'float32')
    expect(folded(mk('add', [x, mk('add', [fill(1), fill(2)], {})], {})).inputs[1]!.op).toBe('fill')
  })
})

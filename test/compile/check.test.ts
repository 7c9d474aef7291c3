/** checkGraph accepts well-formed graphs and names what is wrong with broken ones. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { type CheckKind, checkGraph } from '../../src/compile/check.js'
import { type Node, mk } from '../../src/dsl/node.js'
import { input } from '../../src/dsl/expr.js'
import { lenet } from '../../examples/lenet.js'

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3], 'float32')
/** A node built without `mk`, so its fields can lie. */
const fake = (op: string, inputs: readonly Node[], attrs: object, shape: readonly (number | string)[], id = 1e9): Node =>
  ({ id, op, inputs, attrs, shape, dtype: 'float32' }) as unknown as Node
const kindOf = (roots: readonly Node[]): CheckKind | undefined => {
  const r = checkGraph(roots)
  return E.isLeft(r) ? r.left.kind : undefined
}

describe('checkGraph', () => {
  it('accepts LeNet', () => {
    expect(checkGraph([lenet(input('x', ['N', 1, 28, 28])).node])).toEqual(E.right(undefined))
  })

  it('rejects a node whose shape disagrees with its rule', () => {
    expect(kindOf([fake('sigmoid', [x], {}, ['N', 4])])).toBe('shape')
    const r = checkGraph([fake('sigmoid', [x], {}, ['N', 4])])
    expect(E.isLeft(r) && r.left.message).toMatch(/sigmoid#\d+: the rule gives \[N, 3\] but the node has \[N, 4\]/)
  })

  it('rejects a node the rule rejects', () => {
    const m = mk('input', [], { name: 'm', dtype: 'float32' }, [2, 3], 'float32')
    expect(kindOf([fake('matMul', [m, m], { transposeA: false, transposeB: false }, [2, 3])])).toBe('shape')
  })

  it('rejects an input that does not precede its user', () => {
    expect(kindOf([fake('sigmoid', [x], {}, ['N', 3], -1)])).toBe('order')
  })

  it('rejects a leaf with inputs', () => {
    expect(kindOf([fake('fill', [x], { value: 1 }, ['N', 3])])).toBe('leaf')
  })

  it('rejects two different inputs with the same name', () => {
    const x2 = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 4], 'float32')
    expect(kindOf([x, x2])).toBe('name')
    // an input and a param may share a name: names are unique per leaf kind
    const px = mk('param', [], { name: 'x', init: 'zeros', fanIn: 1, fanOut: 1 }, [3], 'float32')
    expect(kindOf([mk('add', [x, px], {})])).toBeUndefined()
  })
})

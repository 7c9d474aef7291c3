import { describe, expect, it } from 'vitest'
import { y as logits } from '../../examples/lenet.js'
import { graphOf, rebuild, rewrite, rewriteGraph, substitute } from '../../src/compile/graph.js'
import { mk, topo } from '../../src/dsl/node.js'
import { leaf } from './support.js'

describe('graph', () => {
  it('collects LeNet\'s input and its params in creation order', () => {
    const g = graphOf([logits.node])
    expect(g.inputs.map((n) => n.attrs.name)).toEqual(['x'])
    expect(g.params.map((n) => n.attrs.name)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', '9.weight', '9.bias', '11.weight', '11.bias'])
  })

  it('an identity rewrite returns the very same nodes', () => {
    expect(rewriteGraph(graphOf([logits.node]), rebuild).outputs[0]).toBe(logits.node)
  })

  it('rewrite visits bottom-up and rebuilds users with the new inputs', () => {
    const x = leaf('x', [2])
    const y = mk('exp', [mk('relu', [x], {})], {})
    const [out] = rewrite([y], (n, ins) => (n.op === 'relu' ? mk('sigmoid', ins, {}) : rebuild(n, ins)))
    expect(topo([out!]).map((n) => n.op)).toEqual(['param', 'sigmoid', 'exp'])
    expect(out).toBe(mk('exp', [mk('sigmoid', [x], {})], {})) // hash-consed: the same node as built directly
  })

  it('substitute replaces a leaf everywhere, sharing common subtrees', () => {
    const [a, b] = [leaf('a', [2]), leaf('b', [2])]
    const y = mk('add', [mk('tanh', [a], {}), mk('tanh', [a], {})], {})
    const [z] = substitute([y], new Map([[a, b]]))
    expect(z!.inputs[0]).toBe(z!.inputs[1])
    expect(graphOf([z!]).params).toEqual([b])
  })
})

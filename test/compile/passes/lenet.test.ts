/**
 * The pipeline on LeNet: after `optimize`, the forward graph is NHWC with fused conv/matMul nodes and
 * transposes only on params (at the graph boundary); the gradient graph also keeps its transposes at
 * the boundary (params, and gradients returned in the API's layout). Prints the graphs into the output.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { grad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { opCounts, printGraph } from '../../../src/compile/print.js'
import { type PassName, optimize } from '../../../src/compile/pipeline.js'
import { input, intInput } from '../../../src/dsl/expr.js'
import { type Node, mk, topo } from '../../../src/dsl/node.js'
import { lenet } from '../../../examples/lenet.js'
import { useCpu } from '../support.js'
import { expectSameValues, expectValid } from './semantics.js'

beforeAll(useCpu)

const forward = lenet(input('x', ['N', 1, 28, 28])).node

/** Whether `n` is computed from params and constants only (no data input). */
const paramOnly = (n: Node): boolean => topo([n]).every((m) => m.op !== 'input')

/** Every transpose is on params, or only reshapes/transposes separate it from a root (the output boundary). */
const transposesAtBoundary = (roots: readonly Node[]): boolean => {
  const nodes = topo(roots)
  const users = new Map<Node, Node[]>()
  for (const n of nodes) for (const i of n.inputs) users.set(i, [...(users.get(i) ?? []), n])
  const rootSet = new Set(roots)
  const reachesRootDirectly = (n: Node): boolean =>
    (users.get(n) ?? []).every((u) => (u.op === 'reshape' || u.op === 'transpose') && reachesRootDirectly(u)) && (rootSet.has(n) || (users.get(n) ?? []).length > 0)
  return nodes.filter((n) => n.op === 'transpose').every((t) => paramOnly(t) || reachesRootDirectly(t))
}

const imageOps = ['conv2d', 'fusedConv2d', 'avgPool2d', 'maxPool2d', 'avgPool2dGrad', 'maxPool2dGrad', 'conv2dInputGrad', 'conv2dFilterGrad']
const nchwOps = (roots: readonly Node[]) => topo(roots).filter((n) => imageOps.includes(n.op) && (n.attrs as { layout: string }).layout === 'NCHW')

describe('LeNet through the pipeline', () => {
  it('the boundary check itself rejects a transpose between layers', () => {
    const x = input('x', ['N', 3, 4]).node
    expect(transposesAtBoundary([mk('sigmoid', [mk('transpose', [x], { perm: [0, 2, 1] })], {})])).toBe(false)
    expect(transposesAtBoundary([mk('reshape', [mk('transpose', [mk('sigmoid', [x], {})], { perm: [0, 2, 1] })], { shape: ['N', 12] })])).toBe(true)
  })

  it('forward: NHWC, fused, transposes only on params, same values', () => {
    const trace: PassName[] = []
    const [out] = optimize([forward], { trace: (name) => trace.push(name) })
    console.log(`LeNet forward before optimize:\n${printGraph([forward])}\n\nafter optimize:\n${printGraph([out!])}`)
    expect(trace).toEqual(['simplify', 'fold', 'layout', 'simplify', 'fold', 'fusion', 'cse', 'dce'])
    expectValid([out!])
    expect(nchwOps([out!])).toEqual([])
    const transposes = topo([out!]).filter((n) => n.op === 'transpose')
    expect(transposes.every(paramOnly)).toBe(true)
    const counts = opCounts([out!])
    expect(counts.fusedConv2d).toBe(2)
    expect(counts.fusedMatMul).toBe(3)
    expect(counts.conv2d ?? 0).toBe(0)
    expect(counts.add ?? 0).toBe(0)
    expect(counts.sigmoid ?? 0).toBe(0)
    expectSameValues([forward], [out!])
  })

  it('forward with linear-only fusion keeps the sigmoids as separate ops', () => {
    const [out] = optimize([forward], { fusion: { activations: ['linear'] } })
    const counts = opCounts([out!])
    expect(counts.sigmoid).toBe(4)
    expect(topo([out!]).filter((n) => n.op === 'fusedConv2d' || n.op === 'fusedMatMul').every((n) => (n.attrs as { activation: string }).activation === 'linear')).toBe(true)
    expectSameValues([forward], [out!])
  })

  it('gradients: NHWC, transposes only at params and returned gradients, same values', () => {
    const loss = mk('softmaxCrossEntropy', [forward, intInput('y', ['N']).node], {})
    const params = graphOf([loss]).params
    const roots = [loss, ...grad(loss, params)]
    const out = optimize(roots)
    console.log(`LeNet loss and gradients after optimize:\n${printGraph(out, { labels: ['loss', ...params.map((p) => `d${p.attrs.name}`)] })}`)
    expectValid(out)
    expect(nchwOps(out)).toEqual([])
    expect(transposesAtBoundary(out)).toBe(true)
    expect(opCounts(out).fusedConv2d).toBe(2)
    expectSameValues(roots, out, '', 1e-3, 1e-5)
  })
})

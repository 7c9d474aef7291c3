/**
 * Elementwise fusion on wasm (ops/shared/elementwise-fusion.ts): each parameter's Adam update (14
 * elementwise ops) runs as one elementwise program producing the new parameter and both moments, equal to
 * the interpreter; on cpu every node keeps its own lowering. A chain whose later op reads a value
 * computed after the chain's first output keeps only the part that can run there.
 */
import * as tf from '@tensorflow/tfjs-core'
import { describe, expect, it } from 'vitest'
import { fusionPlan, lower } from '../../../src/compile/lower.js'
import { input } from '../../../src/dsl/expr.js'
import { type Node, mk, topo } from '../../../src/dsl/node.js'
import { adam } from '../../../src/dsl/optim/index.js'
import { useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { hostFeeds, toTensors } from '../../support/feeds.js'
import { reference } from './support.js'

const param = (name: string, shape: readonly (number | string)[]) => mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape)

/** Adam's update of three parameters (one with the batch dim), with their gradients as inputs. */
const adamGraph = (): Node[] => {
  const step = input('step', []).node
  const opt = adam(0.01)
  return [['w', [7, 5]], ['b', [5]], ['h', ['N', 3]]].flatMap(([name, shape]) => {
    const p = param(name as string, shape as (number | string)[])
    const g = input(`${name}@grad`, shape as (number | string)[]).node
    const u = opt.update(p, g, [param(`${name}@m`, shape as (number | string)[]), param(`${name}@v`, shape as (number | string)[])], step)
    return [u.param, ...u.state]
  })
}

const run = (graph: readonly Node[], seed: number) => {
  const h = hostFeeds(graph, 6, seed)
  // second moments are sums of squares: keep them non-negative, as training does
  for (const [k, v] of Object.entries(h.params)) if (k.endsWith('@v')) v.data.forEach((x, i, a) => (a[i] = Math.abs(x)))
  h.inputs['step']!.data[0] = 3
  return h
}

describe('elementwise fusion', () => {
  it("fuses each parameter's Adam update into one program on wasm, equal to the interpreter", async () => {
    const graph = adamGraph()
    const plan = fusionPlan(graph, 'wasm')
    const programs = plan.calls.filter((c) => c.pattern === 'elementwiseProgram')
    expect(programs.length).toBe(3)
    for (const c of programs) expect(c.outputs.length).toBe(3)
    const h = run(graph, 3)
    const want = await reference(graph, h)
    await useBackend('wasm')
    const ran: string[] = []
    const f = lower(graph, { backend: 'wasm', profile: (n) => ran.push(n.op) })
    const feeds = toTensors(h)
    const outs = f(feeds)
    expectOutputsClose(
      outs.map((o) => ({ shape: o.shape, data: o.dataSync() })),
      want,
      'adam on wasm',
      1e-5,
      1e-6,
    )
    expect(ran.length).toBeLessThan(topo(graph).length - 30)
    tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
    f.dispose()
  })

  it('plans nothing on cpu', () => {
    expect(fusionPlan(adamGraph(), 'cpu').calls).toEqual([])
  })

  it('leaves out the ops that read a value computed after the chain starts producing', async () => {
    const x = input('x', ['N', 4]).node
    const a = mk('mul', [x, x], {})
    const early = mk('sum', [a], { axes: [0, 1], keepDims: false })
    // b needs `late`, which needs a's consumer `early`: b cannot run where a is produced
    const late = mk('exp', [x], {})
    const b = mk('add', [a, mk('mul', [late, early], {})], {})
    const graph = [early, mk('sub', [b, x], {})]
    const plan = fusionPlan(graph, 'wasm')
    for (const c of plan.calls) for (const i of c.inputs) expect(topo(graph).indexOf(i)).toBeLessThan(Math.min(...c.outputs.map((o) => topo(graph).indexOf(o))))
    const h = hostFeeds(graph, 3, 5)
    const want = await reference(graph, h)
    await useBackend('wasm')
    const f = lower(graph, { backend: 'wasm' })
    const feeds = toTensors(h)
    const outs = f(feeds)
    expectOutputsClose(outs.map((o) => ({ shape: o.shape, data: o.dataSync() })), want, 'late input')
    tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
    f.dispose()
  })
})

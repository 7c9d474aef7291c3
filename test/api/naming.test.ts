/**
 * Parameter names by place in the model (src/dsl/scope.ts, src/dsl/model.ts): a model's leaf names depend
 * only on the model, never on how many layers the process made before; a layer object called twice shares
 * its parameters; `.named` overrides the kind counter; nested sequentials and models prefix their names;
 * `init` draws a tree mirroring the names and agrees with `initLeaves`.
 */
import { describe, expect, it } from 'vitest'
import {
  F,
  type Tensor,
  batchNorm1d,
  conv2d,
  dropout,
  flatten,
  flattenParams,
  initLeaves,
  input,
  key,
  linear,
  model,
  paramSlots,
  paramTree,
  relu,
  sequential,
  traceModel,
  unflattenParams,
} from '../../src/index.js'
import { foldIn } from '../../src/dsl/random.js'
import { initTensor } from '../../src/dsl/tensor.js'
import { topo } from '../../src/dsl/node.js'

const names = (m: Parameters<typeof paramSlots>[0]) => paramSlots(m).map((s) => s.name)

/** A function model over [N, 4]: two dense layers and a residual add, its layers made when the model is. */
const makeMlp = () => {
  const a = linear(4, 8)
  const b = linear(8, 4)
  return model(['N', 4], (x) => F.add(x, b(F.relu(a(x)))))
}

describe('names by place', () => {
  it('a function model has the same leaf names however many layers were made before and between traces', () => {
    const m = makeMlp()
    const first = names(m)
    expect(first).toEqual(['linear0.weight', 'linear0.bias', 'linear1.weight', 'linear1.bias'])
    // layers made (and even applied outside any model) in between must not shift the counters
    for (let i = 0; i < 5; i++) linear(4, 4)(input('z', ['N', 4]))
    conv2d(1, 2, { kernel: 3 })
    expect(names(m)).toEqual(first)
    // a second model made later, of the same structure, has the same names
    linear(3, 3)
    expect(names(makeMlp())).toEqual(first)
    // and tracing the same model again gives equal graphs' leaf names (and shapes)
    expect(paramSlots(m)).toEqual(paramSlots(m))
  })

  it('counts each kind separately, in call order (not creation order)', () => {
    const l1 = linear(2, 3)
    const c = conv2d(1, 2, { kernel: 1 })
    const l0 = linear(4, 2)
    const m = model(['N', 1, 1, 2], (x) => l1(l0(flatten()(c(x)))))
    // l0 is called before l1, so it is linear0 although it was made later
    expect(paramSlots(m).map((s) => [s.name, s.shape])).toEqual([
      ['conv2d0.weight', [2, 1, 1, 1]],
      ['conv2d0.bias', [2]],
      ['linear0.weight', [2, 4]],
      ['linear0.bias', [2]],
      ['linear1.weight', [3, 2]],
      ['linear1.bias', [3]],
    ])
  })

  it('a layer object called twice is one parameter (weight tying)', () => {
    const shared = linear(4, 4)
    const other = linear(4, 4)
    const m = model(['N', 4], (x) => other(shared(F.relu(shared(x)))))
    expect(names(m)).toEqual(['linear0.weight', 'linear0.bias', 'linear1.weight', 'linear1.bias'])
    // the graph holds two param leaves named linear0.weight (one per call) but the model's slots are one each
    const leaves = topo([traceModel(m)]).filter((n) => n.op === 'param').map((n) => (n.attrs as { name: string }).name)
    expect(new Set(leaves)).toEqual(new Set(['linear0.weight', 'linear0.bias', 'linear1.weight', 'linear1.bias']))
    const p = m.init(key(0)) as { linear0: { weight: Tensor }; linear1: { weight: Tensor } }
    expect(Object.keys(p).sort()).toEqual(['linear0', 'linear1'])
    expect(p.linear0.weight.shape).toEqual([4, 4])
  })

  it('`.named` names the leaves and does not take a counter', () => {
    const m = model(['N', 4], (x) => linear(8, 2)(F.relu(linear(4, 8).named('hidden')(x))))
    expect(names(m)).toEqual(['hidden.weight', 'hidden.bias', 'linear0.weight', 'linear0.bias'])
  })

  it('two layers given one name in a model is an error naming it, not a silent share', () => {
    const m = model(['N', 4], (x) => linear(8, 2).named('fc')(F.relu(linear(4, 8).named('fc')(x))))
    expect(() => traceModel(m)).toThrow("two layers are named 'fc' in one model")
    // an automatic name steps over a hand-given one
    const n = model(['N', 4], (x) => linear(8, 2)(F.relu(linear(4, 8).named('linear0')(x))))
    expect(names(n)).toEqual(['linear0.weight', 'linear0.bias', 'linear1.weight', 'linear1.bias'])
  })

  it('a sequential names its leaves <index>.<param>, and nested in a model <sequentialK>.<index>.<param>', () => {
    const seq = sequential(['N', 4], linear(4, 8), relu(), dropout(0.5), linear(8, 2))
    expect(names(seq)).toEqual(['0.weight', '0.bias', '3.weight', '3.bias'])
    const seq2 = sequential(['N', 2], linear(2, 2))
    const m = model(['N', 4], (x) => seq2(F.relu(seq(linear(4, 4)(x)))))
    expect(names(m)).toEqual([
      'linear0.weight',
      'linear0.bias',
      'sequential0.0.weight',
      'sequential0.0.bias',
      'sequential0.3.weight',
      'sequential0.3.bias',
      'sequential1.0.weight',
      'sequential1.0.bias',
    ])
  })

  it('a model inside a model nests under model<k> (or its name), and a sequential inside a sub-model nests twice', () => {
    const inner = model(['N', 4], (x) => F.relu(linear(4, 4)(x)))
    const named = model(['N', 4], (x) => linear(4, 4)(x), 'head')
    const seq = sequential(['N', 4], batchNorm1d(4))
    const withSeq = model(['N', 4], (x) => seq(x))
    const outer = model(['N', 4], (x) => named(withSeq(inner(linear(4, 4)(x)))))
    expect(names(outer)).toEqual([
      'linear0.weight',
      'linear0.bias',
      'model0.linear0.weight',
      'model0.linear0.bias',
      'model1.sequential0.0.gamma',
      'model1.sequential0.0.beta',
      'model1.sequential0.0.runningMean',
      'model1.sequential0.0.runningVar',
      'head.linear0.weight',
      'head.linear0.bias',
    ])
    expect(paramSlots(outer).filter((s) => !s.trainable).map((s) => s.name)).toEqual(['model1.sequential0.0.runningMean', 'model1.sequential0.0.runningVar'])
    // the sub-model traced on its own has its own top-level names
    expect(names(inner)).toEqual(['linear0.weight', 'linear0.bias'])
  })
})

describe('init trees', () => {
  const net = model(['N', 1, 6, 6], (x) => {
    const h = F.relu(conv2d(1, 2, { kernel: 3 })(x))
    return linear(32, 3).named('head')(flatten()(h))
  })

  it('a function model draws a tree keyed by its names, each leaf from key folded with its path', () => {
    const k = key(11)
    const p = net.init(k) as { conv2d0: { weight: Tensor; bias: Tensor }; head: { weight: Tensor; bias: Tensor } }
    expect(Object.keys(p).sort()).toEqual(['conv2d0', 'head'])
    expect(p.conv2d0.weight.shape).toEqual([2, 1, 3, 3])
    expect(p.head.weight.shape).toEqual([3, 32])
    const slot = paramSlots(net).find((s) => s.name === 'conv2d0.weight')!
    expect(slot.shape).toEqual([2, 1, 3, 3])
    const leaf = topo([traceModel(net)]).find((n) => n.op === 'param' && (n.attrs as { name: string }).name === 'conv2d0.weight')!
    const a = leaf.attrs as { init: Parameters<typeof initTensor>[2]; fanIn: number; fanOut: number }
    const expected = initTensor(foldIn(foldIn(k, 'conv2d0'), 'weight'), [2, 1, 3, 3], a.init, a.fanIn, a.fanOut)
    expect(Array.from(p.conv2d0.weight.data)).toEqual(Array.from(expected.data))
    // different keys draw different values; the same key the same
    expect(Array.from((net.init(key(12)) as typeof p).conv2d0.weight.data)).not.toEqual(Array.from(p.conv2d0.weight.data))
    expect(flattenParams(net.init(k))).toEqual(flattenParams(p))
  })

  it('flattenParams / unflattenParams / paramTree round-trip', () => {
    const p = net.init(key(3))
    const flat = flattenParams(p)
    expect(Object.keys(flat).sort()).toEqual(['conv2d0.bias', 'conv2d0.weight', 'head.bias', 'head.weight'])
    expect(paramTree(net, flat)).toEqual(p)
    expect(unflattenParams(flat)).toEqual(p)
    expect(flattenParams(paramTree(net, flat))).toEqual(flat)
  })

  it("a sequential's init equals initLeaves flattened, and paramTree rebuilds its array tree", () => {
    const seq = sequential(['N', 1, 6, 6], conv2d(1, 2, { kernel: 3 }), relu(), flatten(), batchNorm1d(32), dropout(0.2), linear(32, 3))
    const k = key(5)
    const tree = seq.init(k)
    const flat = flattenParams(tree as never)
    expect(flat).toEqual(initLeaves(seq, k))
    expect(Object.keys(flat).sort()).toEqual(
      ['0.bias', '0.weight', '3.beta', '3.gamma', '3.runningMean', '3.runningVar', '5.bias', '5.weight'].sort(),
    )
    const back = paramTree(seq, flat) as unknown as typeof tree
    expect(back).toEqual(tree)
    expect(back[0].weight).toBe(flat['0.weight'])
    expect(back[1]).toEqual({})
  })
})

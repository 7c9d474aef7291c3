/** Layout assignment on small image graphs: NHWC everywhere, operands fitted, idempotent. */
import { beforeAll, describe, expect, it } from 'vitest'
import { layout } from '../../../src/compile/passes/layout.js'
import { simplify } from '../../../src/compile/passes/simplify.js'
import { opCounts } from '../../../src/compile/print.js'
import { type Node, mk, topo } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectPassPreserves } from './semantics.js'

beforeAll(useCpu)

const p = (name: string, shape: readonly number[]) => mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape, 'float32')
const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3, 6, 6], 'float32')
const conv = (v: Node, o: number, name: string) =>
  mk('conv2d', [v, p(name, [o, v.shape[1] as number, 3, 3])], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
const pool = (v: Node) => mk('maxPool2d', [v], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
const onlyTranspose = (roots: readonly Node[]) => topo(roots).filter((n) => n.op === 'transpose')

describe('layout', () => {
  it('conv -> bias -> batchNorm -> relu -> pool -> conv: one transpose at the input, one at the output', () => {
    const c1 = mk('add', [conv(x, 4, 'l1'), mk('reshape', [p('b1', [4])], { shape: [1, 4, 1, 1] })], {})
    const bn = mk('batchNorm', [c1, p('g', [4]), p('beta', [4])], { axis: 1, eps: 1e-5 })
    const y = conv(pool(mk('relu', [bn], {})), 2, 'l2')
    const [out] = expectPassPreserves((r) => simplify(layout(r)), [y])
    const ts = onlyTranspose([out!])
    const dataTransposes = ts.filter((t) => topo([t]).some((n) => n.op === 'input'))
    expect(dataTransposes.map((t) => t.inputs[0]!.op === 'input' || t === out)).toEqual([true, true])
    // the bias was fitted by a reshape, not a transpose
    expect(topo([out!]).some((n) => n.op === 'reshape' && n.inputs[0]!.op === 'param' && n.shape.join() === '1,1,1,4')).toBe(true)
  })

  it('is idempotent', () => {
    const y = mk('sigmoid', [pool(conv(x, 2, 'w'))], {})
    const once = layout([y])
    expect(layout(once)).toEqual(once)
    expect(layout(once)[0]).toBe(once[0])
  })

  it('renumbers reduction and softmax axes and absorbs explicit transposes', () => {
    const c = conv(x, 4, 'w')
    const s = mk('softmax', [c], { axis: 1 })
    const m = mk('mean', [s, ], { axes: [2, 3], keepDims: false })
    const t = mk('transpose', [c], { perm: [0, 2, 3, 1] }) // an NHWC view the user asked for: free
    const out = expectPassPreserves((r) => simplify(layout(r)), [m, t])
    expect(out[1]!.op).toBe('conv2d')
    expect(opCounts(out).transpose).toBe(2) // input and filter
  })

  it('flatten + linear: the permutation moves onto the weight', () => {
    const c = pool(conv(x, 4, 'w'))
    const flat = mk('reshape', [c], { shape: ['N', 36] })
    const y = mk('matMul', [flat, p('fc', [5, 36])], { transposeA: false, transposeB: true })
    const [out] = expectPassPreserves((r) => simplify(layout(r)), [y])
    expect(onlyTranspose([out!]).every((t) => topo([t]).every((n) => n.op !== 'input' || t.inputs[0] === n))).toBe(true)
  })

  it('keeps values through gradient primitives (maxPool2dGrad, conv grads)', () => {
    const dy = mk('input', [], { name: 'dy', dtype: 'float32' }, ['N', 2, 6, 6], 'float32')
    const w = p('w', [2, 3, 3, 3])
    const attrs = { strides: [1, 1] as const, pad: [1, 1, 1, 1] as const, dilations: [1, 1] as const, layout: 'NCHW' as const }
    const dx = mk('conv2dInputGrad', [dy, w], { ...attrs, inputShape: ['N', 3, 6, 6] })
    const dw = mk('conv2dFilterGrad', [x, dy], { ...attrs, filterShape: [2, 3, 3, 3] })
    const px = pool(x)
    const dp = mk('maxPool2dGrad', [mk('input', [], { name: 'dp', dtype: 'float32' }, ['N', 3, 3, 3], 'float32'), x, px], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
    expectPassPreserves(layout, [dx, dw, dp])
  })
})

/** Fusion fires only where it hides nothing another node needs, and only with supported activations. */
import { beforeAll, describe, expect, it } from 'vitest'
import { fusion, tfjsFusion } from '../../../src/compile/passes/fusion.js'
import { layout } from '../../../src/compile/passes/layout.js'
import { opCounts } from '../../../src/compile/print.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectPassPreserves } from './semantics.js'

beforeAll(useCpu)

const p = (name: string, shape: readonly number[]) => mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape, 'float32')
const a = mk('input', [], { name: 'a', dtype: 'float32' }, ['N', 4], 'float32')
const mm = mk('matMul', [a, p('w', [3, 4])], { transposeA: false, transposeB: true })
const pre = mk('add', [mm, p('b', [3])], {})
const fuse = fusion(tfjsFusion)

describe('fusion', () => {
  it('matMul + bias + sigmoid -> one fusedMatMul', () => {
    const [r] = expectPassPreserves(fuse, [mk('sigmoid', [pre], {})])
    expect(r!.op).toBe('fusedMatMul')
    expect((r as Node<'fusedMatMul'>).attrs.activation).toBe('sigmoid')
    expect(r!.inputs.length).toBe(3)
  })

  it('takes the bias from either side of the add and from a [1, C] reshape', () => {
    const b2 = mk('reshape', [p('b', [3])], { shape: [1, 3] })
    const [r] = expectPassPreserves(fuse, [mk('relu', [mk('add', [b2, mm], {})], {})])
    expect(r!.op).toBe('fusedMatMul')
    expect(r!.inputs[2]!.shape).toEqual([3])
  })

  it('does not fuse tanh (no tfjs fused tanh): bias only, tanh stays', () => {
    const [r] = expectPassPreserves(fuse, [mk('tanh', [pre], {})])
    expect(r!.op).toBe('tanh')
    expect(r!.inputs[0]!.op).toBe('fusedMatMul')
  })

  it('keeps the pre-activation when another node uses it', () => {
    const out = expectPassPreserves(fuse, [mk('sigmoid', [pre], {}), mk('square', [pre], {})])
    expect(out[0]!.op).toBe('sigmoid')
    expect(out[1]!.inputs[0]).toBe(out[0]!.inputs[0])
    expect(opCounts(out).fusedMatMul).toBe(1)
  })

  it('keeps the matMul when another node uses it', () => {
    const out = expectPassPreserves(fuse, [mk('sigmoid', [pre], {}), mm])
    expect(opCounts(out).fusedMatMul ?? 0).toBe(0)
  })

  it('does not fuse a bias that broadcasts along other axes', () => {
    const [r] = expectPassPreserves(fuse, [mk('add', [mm, p('c', [2, 1, 3])], {})])
    expect(r!.op).toBe('add')
  })

  it('fuses NHWC convs only, i.e. after the layout pass', () => {
    const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 2, 6, 6], 'float32')
    const conv = mk('conv2d', [x, p('f', [3, 2, 3, 3])], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
    const y = mk('relu', [mk('add', [conv, mk('reshape', [p('cb', [3])], { shape: [1, 3, 1, 1] })], {})], {})
    expect(opCounts(expectPassPreserves(fuse, [y])).fusedConv2d ?? 0).toBe(0)
    const out = expectPassPreserves((r) => fuse(layout(r)), [y])
    expect(opCounts(out).fusedConv2d).toBe(1)
    expect(opCounts(out).relu ?? 0).toBe(0)
  })

  it('an empty activation list disables fusion', () => {
    expect(opCounts(fusion({ activations: [] })([mk('sigmoid', [pre], {})])).fusedMatMul ?? 0).toBe(0)
  })
})

/** The jaxpr-like printer. */
import { describe, expect, it } from 'vitest'
import { printGraph } from '../../src/compile/print.js'
import { mk } from '../../src/dsl/node.js'

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 1, 4, 4], 'float32')
const w = mk('param', [], { name: '0.weight', init: 'zeros', fanIn: 1, fanOut: 1 }, [2, 1, 3, 3], 'float32')
const conv = mk('conv2d', [x, w], { strides: [1, 1], pad: [1, 1, 1, 1], dilations: [1, 1], layout: 'NCHW' })
const y = mk('mul', [mk('sigmoid', [conv], {}), mk('fill', [], { value: 2 }, [], 'float32')], {})

describe('printGraph', () => {
  const text = printGraph([y, conv], { labels: ['y'] })
  const lines = text.split('\n')

  it('binds inputs then params with their types', () => {
    expect(lines[0]).toBe('{ lambda ; x:f32[N,1,4,4] 0.weight:f32[2,1,3,3] . let')
  })

  it('prints one equation per line with short names, compact attrs and inline scalar literals', () => {
    expect(lines.slice(1, -1)).toEqual([
      '    a:f32[N,2,4,4] = conv2d[strides=(1,1) pad=(1,1,1,1) layout=NCHW] x 0.weight',
      '    b:f32[N,2,4,4] = sigmoid a',
      '    c:f32[N,2,4,4] = mul b 2.0',
    ])
  })

  it('lists the outputs, labelled when asked', () => {
    expect(lines.at(-1)).toBe('  in (y=c, a) }')
  })

  it('never reuses a leaf name as a short name', () => {
    const a = mk('input', [], { name: 'a', dtype: 'float32' }, [2], 'float32')
    expect(printGraph([mk('neg', [a], {})])).toContain('b:f32[2] = neg a')
  })
})

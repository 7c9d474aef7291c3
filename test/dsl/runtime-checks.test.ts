/** JavaScript callers and run-time data get the same ShapeErrors before anything executes. */
import { describe, expect, it } from 'vitest'
import { lenet } from '../../examples/lenet.js'
import { ShapeError, batchNorm1d, batchNorm2d, input, intInput, F, key } from '../../src/dsl/index.js'

describe('runtime shape checks', () => {
  it('rejects an input with the wrong channel count, naming both sizes', () => {
    const x = input('x', [256, 3, 28, 28]) as never
    expect(() => lenet(x)).toThrow(ShapeError)
    expect(() => lenet(x)).toThrow('ShapeError: conv2d expects 1 input channels but got 3')
  })
  it('rejects images too small for the conv stack', () => {
    const x = input('x', ['N', 1, 8, 8]) as never
    expect(() => lenet(x)).toThrow('ShapeError: conv2d kernel 5 is larger than the padded input 4')
  })
  it('keeps symbolic dims symbolic and builds a graph without running kernels', () => {
    const y = lenet(input('x', ['B', 1, 28, 28]) as never) as unknown as { shape: unknown }
    expect(y.shape).toEqual(['B', 10])
  })
  it('checks labels against logits', () => {
    expect(() => F.crossEntropy(input('l', [4, 10]), intInput('y', [5]) as never)).toThrow('ShapeError: crossEntropy expects labels [4] but got [5]')
  })
  it('initializes parameters deterministically from an explicit key', () => {
    const a = lenet.init(key(1))
    const b = lenet.init(key(1))
    const c = lenet.init(key(2))
    expect(a[0].weight.data).toEqual(b[0].weight.data)
    expect(a[0].weight.data).not.toEqual(c[0].weight.data)
    const bound = Math.sqrt(6 / (25 + 150)) // xavier uniform for a 6x1x5x5 filter
    expect(Math.max(...a[0].weight.data.map(Math.abs))).toBeLessThanOrEqual(bound)
    expect(a[7].weight.shape).toEqual([120, 400])
  })
})

describe('batch norm layers', () => {
  it('check ranks and channel counts with the type-level texts', () => {
    const bad1 = batchNorm1d(120).outShape([4, 84])
    const bad2 = batchNorm2d(6).outShape([4, 6, 3])
    expect(bad1._tag === 'Left' && bad1.left.message).toBe('ShapeError: batchNorm1d expects 120 features but got 84')
    expect(bad2._tag === 'Left' && bad2.left.message).toBe('ShapeError: batchNorm2d expects a 4-D input [N, C, H, W] but got [4, 6, 3]')
    expect(batchNorm1d(120).outShape(['N', 120])).toEqual({ _tag: 'Right', right: ['N', 120] })
  })
})

import { describe, expect, it } from 'vitest'
import { alternate, hasFlag, intArg, median, pairedRatio, stringArg } from './args.js'

describe('bench flags', () => {
  const argv = ['--rounds', '3', '--no-e2e', '--model=examples/cnn.ts', '--json', '--batch', '64']
  it('reads flags, values and fallbacks', () => {
    expect(hasFlag(argv, 'no-e2e')).toBe(true)
    expect(hasFlag(argv, 'no-modern')).toBe(false)
    expect(intArg(argv, 'rounds', 5)).toBe(3)
    expect(intArg(argv, 'batch', 256)).toBe(64)
    expect(intArg(argv, 'e2e-epochs', 1)).toBe(1)
    expect(stringArg(argv, 'model', 'lenet')).toBe('examples/cnn.ts')
    expect(stringArg(['--model', 'lenet'], 'model', 'lenet-modern')).toBe('lenet')
    expect(stringArg([], 'model')).toBeUndefined()
  })
  it('rejects what is not a count, and a flag without its value', () => {
    expect(() => intArg(['--rounds', 'three'], 'rounds', 5)).toThrow(/non-negative integer/)
    expect(() => intArg(['--rounds', '-1'], 'rounds', 5)).toThrow(/non-negative integer/)
    expect(() => intArg(['--rounds', '1.5'], 'rounds', 5)).toThrow(/non-negative integer/)
    expect(() => intArg(['--rounds'], 'rounds', 5)).toThrow(/needs a value/)
    expect(() => stringArg(['--model', '--json'], 'model')).toThrow(/needs a value/)
    expect(intArg(['--e2e-epochs', '0'], 'e2e-epochs', 1)).toBe(0)
  })
})

describe('medians and ratios', () => {
  it('takes the middle value, the upper one of an even count, without reordering its input', () => {
    const xs = [5, 1, 3]
    expect(median(xs)).toBe(3)
    expect(xs).toEqual([5, 1, 3])
    expect(median([4, 1, 3, 2])).toBe(3)
    expect(median([7])).toBe(7)
    expect(() => median([])).toThrow()
  })
  it('pairs rounds before taking the median of the ratios', () => {
    // round 2 was slow for both: its ratio is still 2
    expect(pairedRatio([20, 200, 22], [10, 100, 10])).toBe(2)
    expect(pairedRatio([30, 20], [10])).toBe(3)
    expect(pairedRatio([], [1])).toBeUndefined()
  })
})

describe('alternate', () => {
  it('runs the contestants in turn, round after round', async () => {
    const order: string[] = []
    let i = 0
    const r = await alternate(3, {
      a: async () => (order.push('a'), ++i),
      b: async () => (order.push('b'), `b${++i}`),
    })
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
    expect(r).toEqual({ a: [1, 3, 5], b: ['b2', 'b4', 'b6'] })
  })
  it('drops a contestant that has nothing to run (no torch) from later rounds', async () => {
    let calls = 0
    const r = await alternate(3, { ours: async () => 1, torch: async () => (calls++, undefined) })
    expect(calls).toBe(1)
    expect(r).toEqual({ ours: [1, 1, 1], torch: [] })
  })
  it('runs nothing for zero rounds', async () => {
    expect(await alternate(0, { a: async () => 1 })).toEqual({ a: [] })
  })
})

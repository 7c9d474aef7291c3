/** The pipeline runs the named passes in order and traces each. */
import { beforeAll, describe, expect, it } from 'vitest'
import { type PassName, defaultPasses, optimize } from '../../../src/compile/pipeline.js'
import { mk } from '../../../src/dsl/node.js'
import { useCpu } from '../support.js'
import { expectSameValues } from './semantics.js'

beforeAll(useCpu)

const x = mk('input', [], { name: 'x', dtype: 'float32' }, ['N', 3], 'float32')
const one = mk('fill', [], { value: 1 }, [], 'float32')
const y = mk('sigmoid', [mk('mul', [x, mk('add', [one, mk('fill', [], { value: 0 }, [], 'float32')], {})], {})], {})

describe('optimize', () => {
  it('runs the default passes, tracing the printed graph after each', () => {
    const seen: [PassName, string][] = []
    const [out] = optimize([y], { trace: (name, printed) => seen.push([name, printed]) })
    expect(seen.map(([n]) => n)).toEqual(defaultPasses)
    expect(seen[0]![1]).toContain('in (')
    expect(out!.op).toBe('sigmoid')
    expect(out!.inputs[0]).toBe(x) // x * (1 + 0) -> x
    expectSameValues([y], [out!])
  })

  it('runs only the passes asked for', () => {
    const [onlyFold] = optimize([y], { passes: ['fold'] })
    expect(onlyFold!.inputs[0]!.op).toBe('mul')
    const [none] = optimize([y], { passes: [] })
    expect(none).toBe(y)
  })
})

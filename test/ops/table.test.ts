/**
 * The op table is complete both ways, and it is the compiler that says so: an op declared (by augmenting
 * `OpAttrs`) without an implementation, or an implementation missing a piece, does not type-check. At run
 * time, every op has every required piece and the stage tables are views of the one table.
 */
import { describe, expect, it } from 'vitest'
import { gradRules } from '../../src/compile/autodiff.js'
import { evaluators } from '../../src/compile/interpret.js'
import { lowerings } from '../../src/compile/lower.js'
import { ops } from '../../src/ops/index.js'
import { onnxRules } from '../../src/runtime/export/index.js'
import { SRC_FROM_TMP, compileSource } from '../support/compile.js'

const required = ['shape', 'grad', 'eval', 'lower', 'layout', 'fold', 'simplify', 'canonical', 'onnx'] as const

describe('the op table', () => {
  it('gives every op every required piece', () => {
    for (const [op, impl] of Object.entries(ops)) for (const piece of required) expect(impl[piece], `${op}.${piece}`).toBeDefined()
  })

  it('is what every stage reads', () => {
    const names = Object.keys(ops).sort()
    for (const table of [gradRules, evaluators, lowerings, onnxRules]) expect(Object.keys(table).sort()).toEqual(names)
    expect(gradRules.relu).toBe(ops.relu.grad)
    expect(lowerings.reluGrad).toBe(ops.reluGrad.lower)
  })

  it('does not type-check with an op that has no implementation, or an implementation missing a piece', () => {
    const errors = compileSource({
      'missing.ts': [
        `import { type OpImpl, ops } from '${SRC_FROM_TMP}/ops/index.js'`,
        `declare module '${SRC_FROM_TMP}/ir/ops.js' { interface OpAttrs { unfinished: Readonly<Record<never, never>> } }`,
        'const { fold: _, ...noFolding } = ops.neg',
        "export const neg: OpImpl<'neg'> = noFolding",
      ].join('\n'),
    })
    // the table no longer covers every op
    expect(errors.some((e) => /src\/ops\/index\.ts.*does not satisfy the expected type/.test(e) && e.includes('unfinished'))).toBe(true)
    // an implementation without its folding decision
    expect(errors.some((e) => e.startsWith('missing.ts(4,14)') && e.includes("Property 'fold' is missing"))).toBe(true)
  }, 60_000)
})

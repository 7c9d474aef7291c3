/**
 * Elementwise programs (src/ops/kernels/elementwise-program.ts) on wasm against the same steps as tfjs
 * ops on the cpu backend: random programs over full-size inputs and scalars, sizes across the 256-element
 * blocks and 4-lane tails, several outputs.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type ElementwiseProgram, type ProgramOp, type ProgramOperand, runElementwiseProgram } from '../../../src/ops/kernels/elementwise-program.js'
import { useBackend } from '../../support/backends.js'
import { expectClose, onCpu, seeded } from './support.js'

const unary: readonly ProgramOp[] = ['neg', 'sqrt', 'square']
const binary: readonly ProgramOp[] = ['add', 'sub', 'mul', 'div']

/** A random program: each step reads inputs, scalars or earlier steps; the last step and a random other are outputs. */
const programArb = fc
  .record({ inputs: fc.integer({ min: 1, max: 4 }), scalars: fc.integer({ min: 0, max: 3 }), length: fc.integer({ min: 1, max: 12 }), seed: fc.integer({ min: 1, max: 2 ** 30 }) })
  .chain((h) =>
    fc.tuple(
      fc.constant(h),
      fc.array(fc.tuple(fc.constantFrom(...unary, ...binary), fc.nat(), fc.nat(), fc.nat(), fc.nat()), { minLength: h.length, maxLength: h.length }),
      fc.nat(),
      fc.integer({ min: 1, max: 1100 }),
    ),
  )
  .map(([h, raw, extra, size]): { p: ElementwiseProgram; size: number; seed: number } => {
    const operand = (i: number, kind: number, pick: number): ProgramOperand => {
      const k = kind % (i > 0 ? 3 : h.scalars > 0 ? 2 : 1)
      return k === 0 ? { input: pick % h.inputs } : k === 1 && h.scalars > 0 ? { scalar: pick % h.scalars } : { step: pick % Math.max(1, i) }
    }
    const steps = raw.map(([op, k1, p1, k2, p2], i) => ({ op, args: unary.includes(op) ? [operand(i, k1, p1)] : [operand(i, k1, p1), operand(i, k2, p2)] }))
    const outputs = [...new Set([h.length - 1, extra % h.length])]
    return { p: { inputs: h.inputs, scalars: h.scalars, steps, outputs }, size, seed: h.seed }
  })

const operands = (p: ElementwiseProgram, size: number, seed: number) => ({
  // positive values: sqrt and div stay finite, so a mismatch is a real one
  full: Array.from({ length: p.inputs }, (_, i) => tf.tensor1d(seeded(seed + i, size).map((v) => 0.5 + Math.abs(v)))),
  scalars: Array.from({ length: p.scalars }, (_, i) => tf.scalar(0.5 + Math.abs(seeded(seed + 100 + i, 1)[0]!))),
})

describe('elementwise programs on wasm', () => {
  beforeAll(() => useBackend('wasm'))

  it('match the same steps as tfjs ops on the cpu backend', async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async ({ p, size, seed }) => {
        const want = await onCpu(() => {
          const o = operands(p, size, seed)
          return runElementwiseProgram(p, o.full, o.scalars, [size])
        })
        const o = operands(p, size, seed)
        const got = runElementwiseProgram(p, o.full, o.scalars, [size])
        expect(got.length).toBe(p.outputs.length)
        for (let i = 0; i < got.length; i++) {
          expect(got[i]!.shape).toEqual([size])
          expectClose(await got[i]!.data(), want[i]!, 1e-5)
        }
        tf.dispose([...o.full, ...o.scalars, ...got])
      }),
      { numRuns: 80 },
    )
  })
})

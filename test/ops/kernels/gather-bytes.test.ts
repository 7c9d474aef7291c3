/**
 * Batches gathered from bytes on the wasm heap (src/ops/kernels/gather-bytes.ts): every byte value scales
 * to exactly the float a v / 255 table holds, rows come in the order asked (row lengths across the
 * 16-byte steps and their tails), and bad shapes or row indices are refused before any kernel runs.
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesOnHeap, gatherScaledRows } from '../../../src/ops/kernels/gather-bytes.js'
import { useBackend } from '../../support/backends.js'

describe('gathering scaled bytes on wasm', () => {
  beforeAll(() => useBackend('wasm'))

  it('scales every byte value exactly as v / 255 rounded to float32', () => {
    const held = bytesOnHeap(Uint8Array.from({ length: 256 }, (_, v) => v), 256)!
    const x = gatherScaledRows(held, Int32Array.of(0), [256])
    expect(Array.from(x.dataSync())).toEqual(Array.from(Float32Array.from({ length: 256 }, (_, v) => v / 255)))
    tf.dispose([x, held.tensor])
  })

  it('gathers the rows asked for, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 255 }), (n, per, picks, salt) => {
        const bytes = Uint8Array.from({ length: n * per }, (_, i) => (i * 31 + salt) & 255)
        const rows = Int32Array.from(picks, (p) => p % n)
        const held = bytesOnHeap(bytes, per)!
        const x = gatherScaledRows(held, rows, [per])
        const want = Array.from(rows).flatMap((r) => Array.from(bytes.subarray(r * per, (r + 1) * per), (v) => Math.fround(v / 255)))
        expect(x.shape).toEqual([rows.length, per])
        expect(Array.from(x.dataSync())).toEqual(want)
        tf.dispose([x, held.tensor])
      }),
      { numRuns: 40 },
    )
  })

  it('refuses a shape of another size and rows outside the bytes', () => {
    const held = bytesOnHeap(new Uint8Array(12), 4)!
    expect(() => gatherScaledRows(held, Int32Array.of(0), [5])).toThrow(/does not hold 4/)
    expect(() => gatherScaledRows(held, Int32Array.of(3), [4])).toThrow(/row 3 outside \[0, 3\)/)
    expect(bytesOnHeap(new Uint8Array(10), 4)).toBeUndefined()
    held.tensor.dispose()
  })
})

/**
 * Op invariants as properties, through the whole compiler (optimize + lower) on every backend present:
 * conv2d is linear in its input and in its filter and (stride 1, 'same') commutes with translation away
 * from the borders; pooling a constant gives that constant; softmax rows sum to 1 and are shift-invariant;
 * cross-entropy is >= 0; transpose moves each element where its permutation says, and reshape/transpose
 * round-trips are identities (lowered as written: the optimizer would fold a round-trip away).
 */
import * as tf from '@tensorflow/tfjs-core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { lower } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { type Node, mk } from '../../src/dsl/node.js'
import type { ConvAttrs, PoolAttrs } from '../../src/dsl/ops.js'
import { key, uniform } from '../../src/dsl/random.js'
import { BACKENDS, useBackend } from '../support/backends.js'

const inp = (name: string, shape: number[], dtype: 'float32' | 'int32' = 'float32'): Node => mk('input', [], { name, dtype }, shape, dtype)
const scalar = (v: number): Node => mk('fill', [], { value: v }, [], 'float32')

/** Optimizes (unless `optimized` is false) and lowers `roots` for the active backend, runs them on host feeds, returns host arrays. */
const run = (roots: readonly Node[], feeds: Record<string, { data: Float32Array | Int32Array; shape: number[] }>, optimized = true): Float32Array[] => {
  const f = lower(optimized ? optimize(roots) : [...roots], { backend: tf.getBackend() })
  const inputs = Object.fromEntries(
    Object.entries(feeds).map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.data instanceof Int32Array ? 'int32' : 'float32')]),
  )
  const outs = f({ inputs, params: {} })
  const host = outs.map((o) => Float32Array.from(o.dataSync()))
  tf.dispose([...outs, ...Object.values(inputs)])
  f.dispose()
  return host
}
const rand = (seed: number, shape: number[]) => ({ data: uniform(key(seed), shape.reduce((a, b) => a * b, 1), -1, 1), shape })
const close = (a: Float32Array, b: Float32Array, tol = 1e-3) => {
  expect(a.length).toBe(b.length)
  a.forEach((v, i) => expect(Math.abs(v - b[i]!), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!))))
}

/** Row-major `data` of `shape` transposed by `perm`, by index arithmetic (out[i] = x[i permuted back]). */
const transposed = (data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array => {
  const out = new Float32Array(data.length)
  const outShape = perm.map((p) => shape[p]!)
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1))
  for (let i = 0; i < data.length; i++) {
    let rest = i
    let from = 0
    for (let k = outShape.length - 1; k >= 0; k--) {
      from += (rest % outShape[k]!) * strides[perm[k]!]!
      rest = Math.floor(rest / outShape[k]!)
    }
    out[i] = data[from]!
  }
  return out
}

/** A shape of rank 1-4 and a permutation of its axes. */
const shapeAndPerm = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length })))

const convCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), o: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 5, max: 9 }), k: fc.constantFrom(1, 3, 5), stride: fc.integer({ min: 1, max: 2 }),
  a: fc.double({ min: -2, max: 2, noNaN: true }), b: fc.double({ min: -2, max: 2, noNaN: true }), seed: fc.integer({ min: 1, max: 1e6 }),
})
const convAttrs = (k: number, stride: number, pad: number): ConvAttrs => ({ strides: [stride, stride], dilations: [1, 1], layout: 'NCHW', pad: [pad, pad, pad, pad] })

describe.each(BACKENDS)('op invariants on %s', (backend) => {
  it('conv2d is linear in its input and in its filter', async () => {
    await useBackend(backend)
    fc.assert(
      fc.property(convCase, ({ n, c, o, h, k, stride, a, b, seed }) => {
        const xs = [n, c, h, h], ws = [o, c, k, k]
        const at = convAttrs(k, stride, (k - 1) / 2)
        const [x1, x2, w1, w2] = [inp('x1', xs), inp('x2', xs), inp('w1', ws), inp('w2', ws)]
        const lin = (p: Node, q: Node) => mk('add', [mk('mul', [scalar(a), p], {}), mk('mul', [scalar(b), q], {})], {})
        const conv = (x: Node, w: Node) => mk('conv2d', [x, w], at)
        const [inX, outX, inW, outW] = run(
          [conv(lin(x1, x2), w1), lin(conv(x1, w1), conv(x2, w1)), conv(x1, lin(w1, w2)), lin(conv(x1, w1), conv(x1, w2))],
          { x1: rand(seed, xs), x2: rand(seed + 1, xs), w1: rand(seed + 2, ws), w2: rand(seed + 3, ws) },
        )
        close(inX!, outX!, 2e-3)
        close(inW!, outW!, 2e-3)
      }),
      { numRuns: 15 },
    )
  })

  it("conv2d (stride 1, 'same') commutes with translation away from the borders", async () => {
    await useBackend(backend)
    fc.assert(
      fc.property(convCase, fc.integer({ min: 1, max: 2 }), ({ n, c, o, h, k, seed }, shift) => {
        const xs = [n, c, h + shift, h + shift], ws = [o, c, k, k]
        const x = rand(seed, xs)
        const [y] = run([mk('conv2d', [inp('x', xs), inp('w', ws)], convAttrs(k, 1, (k - 1) / 2))], { x, w: rand(seed + 1, ws) })
        // x shifted down-right by `shift`: xs[i + shift][j + shift] = x[i][j]
        const shifted = new Float32Array(x.data.length)
        const H = h + shift
        for (let p = 0; p < n * c; p++)
          for (let i = 0; i + shift < H; i++) for (let j = 0; j + shift < H; j++) shifted[p * H * H + (i + shift) * H + j + shift] = x.data[p * H * H + i * H + j]!
        const [ys] = run([mk('conv2d', [inp('x', xs), inp('w', ws)], convAttrs(k, 1, (k - 1) / 2))], { x: { data: shifted, shape: xs }, w: rand(seed + 1, ws) })
        const r = (k - 1) / 2 // outputs whose window stays inside the valid region of both images
        for (let p = 0; p < n * o; p++)
          for (let i = r; i + r + shift < H; i++)
            for (let j = r; j + r + shift < H; j++) {
              const want = y![p * H * H + i * H + j]!
              expect(Math.abs(ys![p * H * H + (i + shift) * H + j + shift]! - want)).toBeLessThanOrEqual(2e-3 * (1 + Math.abs(want)))
            }
      }),
      { numRuns: 15 },
    )
  })

  it('pooling a constant gives that constant', async () => {
    await useBackend(backend)
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.double({ min: -5, max: 5, noNaN: true }), (h, k, s, v) => {
        fc.pre(k <= h)
        const at: PoolAttrs = { kernel: [k, k], strides: [s, s], pad: [0, 0, 0, 0], layout: 'NCHW' }
        const c = mk('fill', [], { value: v }, [2, 3, h, h], 'float32')
        const x = inp('x', [2, 3, h, h])
        const feeds = { x: { data: new Float32Array(2 * 3 * h * h).fill(v), shape: [2, 3, h, h] } }
        for (const op of ['avgPool2d', 'maxPool2d'] as const) {
          for (const out of run([mk(op, [x], at), mk(op, [c], at)], feeds)) out.forEach((y) => expect(y).toBeCloseTo(v, 4))
        }
      }),
      { numRuns: 20 },
    )
  })

  it('softmax rows sum to 1 and are shift-invariant; cross-entropy is >= 0', async () => {
    await useBackend(backend)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 10 }), fc.double({ min: -20, max: 20, noNaN: true }), fc.integer({ min: 1, max: 1e6 }), (b, k, shift, seed) => {
        const x = inp('x', [b, k])
        const y = inp('y', [b], 'int32')
        const logits = { data: uniform(key(seed), b * k, -8, 8), shape: [b, k] }
        const labels = { data: Int32Array.from(uniform(key(seed + 1), b, 0, k), Math.floor), shape: [b] }
        const [p, q, ce] = run(
          [mk('softmax', [x], { axis: -1 }), mk('softmax', [mk('add', [x, scalar(shift)], {})], { axis: -1 }), mk('softmaxCrossEntropy', [x, y], {})],
          { x: logits, y: labels },
        )
        for (let r = 0; r < b; r++) expect(p!.slice(r * k, r * k + k).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5)
        close(p!, q!, 1e-4)
        expect(ce![0]).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 20 },
    )
  })

  it('transpose moves elements where its permutation says; transpose and reshape round-trips are identities', async () => {
    await useBackend(backend)
    fc.assert(
      fc.property(shapeAndPerm, fc.integer({ min: 1, max: 1e6 }), ([shape, perm], seed) => {
        const inverse = perm.map((_, i) => perm.indexOf(i))
        const x = inp('x', shape)
        const size = shape.reduce((a, b) => a * b, 1)
        const there = mk('transpose', [x], { perm })
        const back = mk('transpose', [there], { perm: inverse })
        const flat = mk('reshape', [mk('reshape', [x], { shape: [size] })], { shape })
        const v = rand(seed, shape)
        // as written, so the kernels run: optimize() would fold both round-trips to x
        const [moved, t, r] = run([there, back, flat], { x: v }, false)
        expect(Array.from(moved!)).toEqual(Array.from(transposed(v.data, shape, perm)))
        expect(Array.from(t!)).toEqual(Array.from(v.data))
        expect(Array.from(r!)).toEqual(Array.from(v.data))
      }),
      { numRuns: 20 },
    )
  })
})

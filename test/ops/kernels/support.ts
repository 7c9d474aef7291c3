/**
 * Test support for the gradient kernels: seeded data, naive loop references (tfjs has no conv gradient for
 * dilation > 1, so the loops are the oracle there) and closeness. The backends are test/support/backends.ts's.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import fc from 'fast-check'
import { expect } from 'vitest'
import { convGeometry, type ConvPad } from '../../../src/ops/kernels/conv-geometry.js'

/** Deterministic pseudo-random floats in [-1, 1) (or small integers for tie tests). */
export function seeded(seed: number, size: number, integers = false): Float32Array {
  let s = seed >>> 0 || 1
  const out = new Float32Array(size)
  for (let i = 0; i < size; i++) {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    const u = (s >>> 0) / 4294967296
    out[i] = integers ? Math.floor(u * 5) - 2 : 2 * u - 1
  }
  return out
}

/** Runs `f` on the cpu backend and returns plain arrays (the oracle side of a comparison). */
export async function onCpu<T>(f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend()
  await tf.setBackend('cpu')
  const out = tf.tidy(f)
  const list = Array.isArray(out) ? out : [out]
  const data = await Promise.all(list.map(async (t) => (await t.data()) as Float32Array))
  list.forEach((t) => t.dispose())
  await tf.setBackend(previous)
  return data
}

/** Asserts element-wise closeness with a tolerance relative to the magnitude of `want`. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-4): void {
  expect(got.length).toBe(want.length)
  let scale = 1
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]))
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i] - want[i]) > tol * scale) {
      expect.fail(`index ${i}: got ${got[i]}, want ${want[i]} (tol ${tol * scale})`)
    }
  }
}

/** A conv2d configuration that tfjs accepts (stride or dilation is 1, output non-empty). */
export interface ConvCase {
  readonly n: number
  readonly h: number
  readonly w: number
  readonly ci: number
  readonly co: number
  readonly kH: number
  readonly kW: number
  readonly stride: [number, number]
  readonly dilation: [number, number]
  readonly pad: ConvPad
  readonly seed: number
}

const padArb: fc.Arbitrary<ConvPad> = fc.oneof(
  fc.constant<ConvPad>('valid'),
  fc.constant<ConvPad>('same'),
  fc.integer({ min: 0, max: 2 }),
  fc
    .tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))
    .map(([a, b, c, d]): ConvPad => [[0, 0], [a, b], [c, d], [0, 0]]),
)

/** fast-check generator of valid conv cases (small: tests must take seconds). */
export const convCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    ci: fc.integer({ min: 1, max: 3 }),
    co: fc.integer({ min: 1, max: 3 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: padArb,
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .filter((c) => {
    if (c.stride.some((s) => s > 1) && c.dilation.some((d) => d > 1)) return false
    const g = convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation)
    // tfjs rounds numeric-pad output sizes (Math.round) and its kernels disagree on the
    // extra window; only exact tilings are well defined
    // Explicit pads of at least the dilated kernel put whole windows in padding; the kernels (and tfjs)
    // are not defined for such degenerate pads (known limitation; the IR's layers never produce them).
    if (Array.isArray(c.pad)) {
      const [, [t, b], [l, r]] = c.pad as [[number, number], [number, number], [number, number], [number, number]]
      const span = [(c.kH - 1) * c.dilation[0] + 1, (c.kW - 1) * c.dilation[1] + 1]
      if (Math.max(t, b) >= span[0]! || Math.max(l, r) >= span[1]!) return false
    }
    if (typeof c.pad === 'number') {
      // tfjs sizes numeric-pad convs with the filter height in both dims (wrong for non-square kernels);
      // the lowering always passes explicit pads, so only square kernels are compared with numeric pads
      if (c.kH !== c.kW) return false
      const ins = [c.h, c.w], ks = [(c.kH - 1) * c.dilation[0] + 1, (c.kW - 1) * c.dilation[1] + 1], ss = c.stride
      if ([0, 1].some((i) => (ins[i] - ks[i] + 2 * (c.pad as number)) % ss[i] !== 0)) return false
    }
    return g.outH > 0 && g.outW > 0 && Number.isInteger(g.outH) && Number.isInteger(g.outW)
  })

/** Naive conv2d gradients by definition: returns [dx, dW] for x, W and dy as flat NHWC/HWIO. */
export function referenceConvGrads(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array): [Float32Array, Float32Array] {
  const g = convGeometry([c.n, c.h, c.w, c.ci], [c.kH, c.kW], c.stride, c.pad, c.dilation)
  const dx = new Float32Array(x.length)
  const dw = new Float32Array(w.length)
  for (let n = 0; n < c.n; n++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let kh = 0; kh < c.kH; kh++)
          for (let kw = 0; kw < c.kW; kw++) {
            const ih = oh * g.stride[0] + kh * g.dilation[0] - g.top
            const iw = ow * g.stride[1] + kw * g.dilation[1] - g.left
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue
            for (let ci = 0; ci < c.ci; ci++)
              for (let co = 0; co < c.co; co++) {
                const d = dy[((n * g.outH + oh) * g.outW + ow) * c.co + co]
                const xi = ((n * c.h + ih) * c.w + iw) * c.ci + ci
                const wi = ((kh * c.kW + kw) * c.ci + ci) * c.co + co
                dx[xi] += w[wi] * d
                dw[wi] += x[xi] * d
              }
          }
  return [dx, dw]
}

/**
 * tfjs kernels for the wasm backend backed by the SIMD module's batch norm, relu and max-pool gradient
 * kernels (assembly/norm.ts, relu.ts, pool.ts): registered on import; the callers (batch-norm-heap.ts,
 * relu-grad-heap.ts, max-pool2d-grad-heap.ts) keep tfjs compositions for every other backend.
 *
 * Batch norm views channel-last x [..., C] as [R, F], F the product of the trailing dims that stays
 * <= {@link MAX_ROW} (a multiple of C): per-channel statistics are one read pass (channelMoments:
 * float32 sums per 16-row block, shifted by x's first row so that large means do not cancel, folded in
 * float64 in a fixed order, so results do not depend on the threads), then one write pass
 * (channelAffine) with per-channel factors computed here in float64.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SPLIT_MIN_ELEMENTS, foldSlots, scratch, simdOf, size } from './kernels.js'

/** x, gamma, beta (attrs eps) -> training-mode batch norm of channel-last x with the batch's statistics. */
export const BATCH_NORM = 'TypegradBatchNorm'
/** x, gamma, beta, mean, variance [C] (attrs eps) -> inference-mode batch norm of channel-last x. */
export const BATCH_NORM_INFER = 'TypegradBatchNormInfer'
/** x, gamma, dy (attrs eps, which 'x' | 'gamma' | 'beta') -> dx like x, or dgamma / dbeta [C]. */
export const BATCH_NORM_GRAD = 'TypegradBatchNormGrad'
/** x (attrs stat 'mean' | 'unbiasedVar') -> [C], the per-channel statistic over every axis but the last. */
export const CHANNEL_STAT = 'TypegradChannelStat'
/** x -> max(x, 0). */
export const RELU = 'TypegradRelu'
/** y, dy -> dy * (y > 0). */
export const RELU_GRAD = 'TypegradReluGrad'
/** dy [N,OH,OW,C], x [N,H,W,C] (attrs kernel, strides, pad [top, bottom, left, right]) -> dx [N,H,W,C]. */
export const MAX_POOL_GRAD = 'TypegradMaxPoolGrad'

/** Longest row of the [R, F] view (the moments kernel's 16-row blocks then stay within 32 KiB). */
const MAX_ROW = 512
/** Rows per block of channelMoments (assembly/norm.ts MOMENT_ROWS). */
const MOMENT_ROWS = 16
/** Most work items of channelMoments (each has its own float64 sums, folded here). */
const MOMENT_ITEMS = 32
/** Elements per work item of the relu kernels (assembly/relu.ts RELU_BLOCK). */
const RELU_BLOCK = 4096

/** The [R, F] view of channel-last `shape`: F the longest trailing product <= MAX_ROW (at least C). */
const rowsOf = (shape: readonly number[]): { c: number; f: number; rows: number } => {
  const c = shape[shape.length - 1] ?? 1
  let f = c
  for (let i = shape.length - 2; i >= 0 && f * shape[i]! <= MAX_ROW; i--) f *= shape[i]!
  return { c, f, rows: f === 0 ? 0 : size(shape) / f }
}

/** Per-channel sums of x [M, C] (and dy), in float64. */
interface Moments {
  readonly m: number
  /** sum(x - shift): sum(x) when not centered. */
  readonly sum: Float64Array
  readonly mean: Float64Array
  /** Biased variance. */
  readonly variance: Float64Array
  /** sum(dy), sum(dy * (x - mean)), when dy was given. */
  readonly sumDy: Float64Array
  readonly sumDyXc: Float64Array
}

/**
 * The per-channel moments of x (and dy) through channelMoments; `centered` false sums x as it is (no
 * shift: dbeta's sum of dy).
 */
const moments = (backend: WasmHeapBackend, x: tf.TensorInfo, dy: tf.TensorInfo | undefined, centered = true): Moments => {
  const { c, f, rows } = rowsOf(x.shape)
  const m = c === 0 ? 0 : size(x.shape) / c
  const out = { m, sum: new Float64Array(c), mean: new Float64Array(c), variance: new Float64Array(c), sumDy: new Float64Array(c), sumDyXc: new Float64Array(c) }
  if (m === 0) return out
  const simd = simdOf(backend)
  // items of whole blocks, at most MOMENT_ITEMS, each summing into its own slot: the same sums on any threads
  const perItem = Math.ceil(Math.ceil(rows / MOMENT_ROWS) / MOMENT_ITEMS) * MOMENT_ROWS
  const items = Math.ceil(rows / perItem)
  // [shift F], then (8-byte aligned) the float64 sums [items, 4 sums, F]
  const buf = scratch(backend, f + 8 * items * f + 1)
  const base = simd.ptr(buf.info)
  const at64 = Math.ceil((base + 4 * f) / 8) * 8
  const heap = f32(backend, buf.info)
  if (centered) {
    const xs = f32(backend, x)
    for (let i = 0; i < f; i++) heap[i] = xs[i % c]!
  }
  const args = [simd.ptr(x), dy ? simd.ptr(dy) : 0, base, at64, f, rows, perItem]
  simd.run('channelMoments', items, args, Math.ceil(SPLIT_MIN_ELEMENTS / (perItem * f)))
  const sums = new Float64Array(simd.memory.buffer, at64, 4 * items * f)
  const fold = (stat: number): Float64Array => foldSlots(sums, items, 4 * f, f, c, stat * f)
  const [s1, s2, sd, sdx] = [fold(0), fold(1), fold(2), fold(3)]
  out.sum.set(s1)
  for (let k = 0; k < c; k++) {
    const d = s1[k]! / m
    out.mean[k] = (centered ? heap[k]! : 0) + d
    out.variance[k] = Math.max(s2[k]! / m - d * d, 0)
    // sum(dy * (x - mean)) = sum(dy * (x - shift)) - (mean - shift) * sum(dy)
    out.sumDy[k] = sd[k]!
    out.sumDyXc[k] = sdx[k]! - d * sd[k]!
  }
  buf.free()
  return out
}

/** y = dy * a[c] + x * b[c] + c0[c] (dy given) or x * b[c] + c0[c], over channel-last x. */
const affine = (backend: WasmHeapBackend, x: tf.TensorInfo, dy: tf.TensorInfo | undefined, a: Float64Array | undefined, b: Float64Array, c0: Float64Array): tf.TensorInfo => {
  const { c, f, rows } = rowsOf(x.shape)
  const y = backend.makeOutput([...x.shape], 'float32')
  if (rows === 0) return y
  const simd = simdOf(backend)
  const coef = scratch(backend, 3 * f)
  const p = f32(backend, coef.info)
  for (let i = 0; i < f; i++) {
    const k = i % c
    if (a) p[i] = a[k]!
    p[f + i] = b[k]!
    p[2 * f + i] = c0[k]!
  }
  simd.run('channelAffine', rows, [simd.ptr(x), dy ? simd.ptr(dy) : 0, simd.ptr(coef.info), simd.ptr(y), f], Math.ceil(SPLIT_MIN_ELEMENTS / f))
  coef.free()
  return y
}

/** scale = gamma / sqrt(var + eps), offset = beta - mean * scale, per channel. */
const normalization = (gamma: Float32Array, beta: Float32Array, mean: ArrayLike<number>, variance: ArrayLike<number>, eps: number) => {
  const c = gamma.length
  const scale = new Float64Array(c)
  const offset = new Float64Array(c)
  for (let k = 0; k < c; k++) {
    scale[k] = gamma[k]! / Math.sqrt(variance[k]! + eps)
    offset[k] = beta[k]! - mean[k]! * scale[k]!
  }
  return { scale, offset }
}

registerHeapKernel(BATCH_NORM, ['x', 'gamma', 'beta'], (backend, [x, gamma, beta], attrs) => {
  const st = moments(backend, x!, undefined)
  const { scale, offset } = normalization(f32(backend, gamma!), f32(backend, beta!), st.mean, st.variance, attrs['eps'] as number)
  return [affine(backend, x!, undefined, undefined, scale, offset)]
})

registerHeapKernel(BATCH_NORM_INFER, ['x', 'gamma', 'beta', 'mean', 'variance'], (backend, [x, gamma, beta, mean, variance], attrs) => {
  const [g, b, mu, v] = [gamma, beta, mean, variance].map((t) => f32(backend, t!)) as [Float32Array, Float32Array, Float32Array, Float32Array]
  const { scale, offset } = normalization(g, b, mu, v, attrs['eps'] as number)
  return [affine(backend, x!, undefined, undefined, scale, offset)]
})

registerHeapKernel(BATCH_NORM_GRAD, ['x', 'gamma', 'dy'], (backend, [x, gamma, dy], attrs) => {
  const eps = attrs['eps'] as number
  const which = attrs['which'] as readonly ('x' | 'gamma' | 'beta')[]
  const c = x!.shape[x!.shape.length - 1] ?? 1
  const vector = (values: ArrayLike<number>): tf.TensorInfo => {
    const out = backend.makeOutput([c], 'float32')
    f32(backend, out).set(values)
    return out
  }
  // beta alone needs only sum(dy); anything else needs the moments of x and dy (one pass, shared)
  if (which.every((w) => w === 'beta')) {
    const sumDy = moments(backend, dy!, undefined, false).sum
    return which.map(() => vector(sumDy))
  }
  const st = moments(backend, x!, dy)
  const invStd = st.variance.map((v) => 1 / Math.sqrt(v + eps))
  return which.map((w) => {
    if (w === 'beta') return vector(st.sumDy)
    // sum(dy * xhat) = invStd * sum(dy * (x - mean))
    if (w === 'gamma') return vector(invStd.map((s, k) => s * st.sumDyXc[k]!))
    // dx = gamma * invStd * (dy - sum(dy) / M - xhat * sum(dy * xhat) / M), as dy * a + x * b + c0 per channel
    const g = f32(backend, gamma!)
    const a = new Float64Array(c)
    const b = new Float64Array(c)
    const c0 = new Float64Array(c)
    for (let k = 0; k < c; k++) {
      const s = g[k]! * invStd[k]!
      const q = (invStd[k]! * invStd[k]! * st.sumDyXc[k]!) / st.m
      a[k] = s
      b[k] = -s * q
      c0[k] = -s * (st.sumDy[k]! / st.m - q * st.mean[k]!)
    }
    return affine(backend, x!, dy, a, b, c0)
  })
})

registerHeapKernel(CHANNEL_STAT, ['x'], (backend, [x], attrs) => {
  const st = moments(backend, x!, undefined)
  const out = backend.makeOutput([st.mean.length], 'float32')
  const o = f32(backend, out)
  if (attrs['stat'] === 'mean') o.set(st.mean)
  else o.set(st.variance.map((v) => (st.m > 1 ? (v * st.m) / (st.m - 1) : 0)))
  return [out]
})

registerHeapKernel(RELU, ['x'], (backend, [x]) => {
  const simd = simdOf(backend)
  const y = backend.makeOutput([...x!.shape], 'float32')
  const len = size(x!.shape)
  simd.run('relu', Math.ceil(len / RELU_BLOCK), [simd.ptr(x!), simd.ptr(y), len], SPLIT_MIN_ELEMENTS / RELU_BLOCK)
  return [y]
})

registerHeapKernel(RELU_GRAD, ['y', 'dy'], (backend, [y, dy]) => {
  const simd = simdOf(backend)
  const dx = backend.makeOutput([...dy!.shape], 'float32')
  const len = size(dy!.shape)
  simd.run('reluGrad', Math.ceil(len / RELU_BLOCK), [simd.ptr(y!), simd.ptr(dy!), simd.ptr(dx), len], SPLIT_MIN_ELEMENTS / RELU_BLOCK)
  return [dx]
})

registerHeapKernel(MAX_POOL_GRAD, ['dy', 'x'], (backend, [dy, x], attrs) => {
  const [kh, kw] = attrs['kernel'] as [number, number]
  const [sh, sw] = attrs['strides'] as [number, number]
  const [top, , left] = attrs['pad'] as [number, number, number, number]
  const [n, h, w, c] = x!.shape as [number, number, number, number]
  const [, oh, ow] = dy!.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const dx = backend.makeOutput([n, h, w, c], 'float32')
  const args = [simd.ptr(x!), simd.ptr(dy!), simd.ptr(dx), h, w, c, oh, ow, kh, kw, sh, sw, top, left]
  simd.run('maxPoolGrad', n, args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, h * w * c)))
  return [dx]
})

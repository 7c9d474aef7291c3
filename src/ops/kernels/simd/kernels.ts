/**
 * tfjs kernels for the wasm backend backed by the SIMD module (module.ts), registered on import under
 * Typegrad* names. The functions lowerings call (../sigmoid-grad.ts, ../conv2d-filter-grad.ts,
 * ../column-sums.ts, ...) run them on wasm and a tfjs composition on every other backend. Batch norm,
 * relu and the max-pool gradient register theirs in norm-kernels.ts.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { ConvGeometry } from '../conv-geometry.js'
import { f32, registerHeapKernel, runHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SLOTS, type Simd, type SimdBackend, simdOn } from './module.js'

/** y [N,H,W,C], dp [N,OH,OW,C] (attrs kernel [kH,kW], nhwc) -> dx [N,H,W,C] if nhwc, db [C]. */
export const POOLED_SIGMOID_GRAD = 'TypegradPooledSigmoidGrad'
/** y, dy [...,F] -> dz = dy*y*(1-y) like y, db = dz summed over all axes but the last [F]. */
export const SIGMOID_GRAD_BIAS = 'TypegradSigmoidGradBias'
/** x [...,F] -> [F], the sum over every axis but the last. */
export const COLUMN_SUMS = 'TypegradColumnSums'
/** xp [N,HP,WP,Ci] (padded so every tap is inside), dy [N,OH,OW,Co] (attrs filterShape, strides, dilations) -> dW [KH,KW,Ci,Co]. */
export const CONV2D_FILTER_GRAD = 'TypegradConv2DFilterGrad'

/**
 * xp [N,HP,WP,1] (padded so that 4-position tiles read inside each row), w [KH,KW,1,Co], bias [Co]
 * (attrs outShape [N,OH,OW,Co], strides [sh, 1], dilations, activation, pool) -> y = activation(conv +
 * bias), and with `pool` (OH and OW even) also y's 2 x 2 average pool [N,OH/2,OW/2,Co].
 */
export const CONV2D_ONE_CHANNEL = 'TypegradConv2DOneChannel'
/** The activations the SIMD kernels apply in registers (the one-channel conv, the conv tiles, the dense product), by the code they take (assembly/activation.ts). */
export const KERNEL_ACTIVATIONS = { linear: 0, relu: 1, sigmoid: 2 } as const

/** x [N,H,W,C] (attrs kernel [kH, kW], max) -> [N, floor(H/kH), floor(W/kW), C]: mean or max of side-by-side windows. */
export const POOL_TILES = 'TypegradPoolTiles'

/** dy [N,OH,OW,Co], w [KH,KW,Ci,Co] (attrs inputShape, strides, dilations, top, left) -> dx [N,H,W,Ci]. */
export const CONV2D_INPUT_GRAD = 'TypegradConv2DInputGrad'

/** x [N,H,W,C] (attrs pads [top, bottom, left, right] >= 0) -> zero-padded [N,H+top+bottom,W+left+right,C]. */
export const SPATIAL_PAD = 'TypegradSpatialPad'

/** Elements below which a call stays on one thread (the handoff to the worker costs ~20-40 us). */
export const SPLIT_MIN_ELEMENTS = 1 << 14

/** The SIMD kernels on `backend`'s heap; throws off tfjs-backend-wasm (kernels registered for wasm only run there). */
export const simdOf = (backend: WasmHeapBackend): Simd => {
  const simd = simdOn(backend)
  if (simd === undefined) throw new Error('the SIMD kernels need tfjs-backend-wasm (a backend exposing its WebAssembly.Memory)')
  return simd
}

/** A zeroed float32 scratch buffer on the heap, freed by `free`. */
export const scratch = (backend: WasmHeapBackend, size: number): { info: tf.TensorInfo; free: () => void } => {
  const info = backend.makeOutput([size], 'float32')
  f32(backend, info).fill(0)
  return { info, free: () => void (backend as unknown as SimdBackend).disposeData(info.dataId, true) }
}

/**
 * Folds per-slot row sums into per-channel totals, in slot order (so the result does not depend on which
 * thread filled which slot): slot t's row is `values[offset + t * stride ..][0, row)`, period c.
 * @example foldSlots(acc, SLOTS, 2 * row, row, c) // [c]
 */
export const foldSlots = (values: ArrayLike<number>, slots: number, stride: number, row: number, c: number, offset = 0): Float64Array => {
  const out = new Float64Array(c)
  for (let t = 0; t < slots; t++) for (let i = 0; i < row; i++) out[i % c] += values[offset + t * stride + i]!
  return out
}

/** The number of elements of `shape`. @example size([2, 3]) // 6 */
export const size = (shape: readonly number[]): number => shape.reduce((s, d) => s * d, 1)

registerHeapKernel(POOLED_SIGMOID_GRAD, ['y', 'dp'], (backend, [y, dp], attrs) => {
  const [kH, kW] = attrs['kernel'] as [number, number]
  const nhwc = attrs['nhwc'] as boolean
  const [n, h, w, c] = y.shape as [number, number, number, number]
  const [, oh, ow] = dp.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const dx = nhwc ? backend.makeOutput([n, h, w, c], 'float32') : undefined
  const db = backend.makeOutput([c], 'float32')
  const row = w * c
  const acc = scratch(backend, SLOTS * 2 * row)
  const args = [simd.ptr(y), simd.ptr(dp), dx ? simd.ptr(dx) : 0, simd.ptr(acc.info), h, w, c, oh, ow, kH, kW, 1 / (kH * kW)]
  simd.run('sigmoidGradRows', n * h, args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, row)))
  f32(backend, db).set(foldSlots(f32(backend, acc.info), SLOTS, 2 * row, row, c))
  acc.free()
  return dx ? [dx, db] : [db]
})

registerHeapKernel(SIGMOID_GRAD_BIAS, ['y', 'dy'], (backend, [y, dy]) => {
  const f = y.shape[y.shape.length - 1] ?? 1
  const rows = size(y.shape) / f
  const simd = simdOf(backend)
  const dz = backend.makeOutput([...y.shape], 'float32')
  const db = backend.makeOutput([f], 'float32')
  const acc = scratch(backend, SLOTS * 2 * f)
  simd.run('sigmoidGradRows', rows, [simd.ptr(y), simd.ptr(dy), simd.ptr(dz), simd.ptr(acc.info), 1, 1, f, 1, 1, 1, 1, 1], Math.ceil(SPLIT_MIN_ELEMENTS / f))
  f32(backend, db).set(foldSlots(f32(backend, acc.info), SLOTS, 2 * f, f, f))
  acc.free()
  return [dz, db]
})

registerHeapKernel(COLUMN_SUMS, ['x'], (backend, [x]) => {
  const f = x.shape[x.shape.length - 1] ?? 1
  const rows = size(x.shape) / f
  const simd = simdOf(backend)
  const out = backend.makeOutput([f], 'float32')
  const acc = scratch(backend, SLOTS * f)
  simd.run('columnSums', rows, [simd.ptr(x), simd.ptr(acc.info), f], Math.ceil(SPLIT_MIN_ELEMENTS / f))
  f32(backend, out).set(foldSlots(f32(backend, acc.info), SLOTS, f, f, f))
  acc.free()
  return [out]
})

registerHeapKernel(CONV2D_FILTER_GRAD, ['xp', 'dy'], (backend, [xp, dy], attrs) => {
  const [kh, kw, ci, co] = attrs['filterShape'] as [number, number, number, number]
  const [sh, sw] = attrs['strides'] as [number, number]
  const [dh, dwl] = attrs['dilations'] as [number, number]
  const [n, hp, wp] = xp.shape as [number, number, number, number]
  const [, oh, ow] = dy.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const dw = backend.makeOutput([kh, kw, ci, co], 'float32')
  // units: images, cut into row blocks when the batch is too small for a few ranges per thread (not
  // more: each unit's tiles add their sums to the slot)
  const yBlocks = Math.max(1, Math.min(oh, Math.ceil(4 / n)))
  const units = n * yBlocks
  // a pass over ~256 positions at a time per register tile: long loops, data still in cache
  const chunk = yBlocks > 1 ? 1 : Math.max(1, Math.floor(256 / (oh * ow)))
  const rows = kh * kw * ci
  const coP = Math.ceil(co / 4) * 4
  const parts = scratch(backend, SLOTS * rows * coP)
  const args = [simd.ptr(xp), simd.ptr(dy), simd.ptr(parts.info), hp, wp, ci, oh, ow, co, kh, kw, sh, sw, dh, dwl, yBlocks, chunk]
  // multiply-adds; below ~1M (~50 us on one thread) the handoff to the worker does not pay
  const work = n * oh * ow * rows * co
  simd.run('conv2dFilterGrad', units, args, work >= 64 * SPLIT_MIN_ELEMENTS ? 2 : units + 1)
  // dW from the ranges' slots, added in slot order (an empty range's slot keeps scratch's zeros)
  simd.run('conv2dFilterGradFold', rows, [simd.ptr(parts.info), simd.ptr(dw), rows, co, SLOTS], rows + 1)
  parts.free()
  return [dw]
})

registerHeapKernel(SPATIAL_PAD, ['x'], (backend, [x], attrs) => {
  const [top, bottom, left, right] = attrs['pads'] as [number, number, number, number]
  const [n, h, w, c] = x.shape as [number, number, number, number]
  const [hp, wp] = [h + top + bottom, w + left + right]
  const simd = simdOf(backend)
  const xp = backend.makeOutput([n, hp, wp, c], 'float32')
  simd.run('padRows', n * hp, [simd.ptr(x), simd.ptr(xp), h, w, c, hp, wp, top, left], Math.ceil(SPLIT_MIN_ELEMENTS / (wp * c)))
  return [xp]
})

registerHeapKernel(CONV2D_ONE_CHANNEL, ['xp', 'w', 'bias'], (backend, [xp, w, bias], attrs) => {
  const [kh, kw, , co] = w.shape as [number, number, number, number]
  const [sh] = attrs['strides'] as [number, number]
  const [dh, dwl] = attrs['dilations'] as [number, number]
  const [n, oh, ow] = attrs['outShape'] as [number, number, number, number]
  const [, hp, wp] = xp.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const y = backend.makeOutput([n, oh, ow, co], 'float32')
  // the kernel's prep (see conv2dOneChannel in assembly/conv-one-channel.ts): the taps' byte offsets into a
  // padded row block, then from a 16-byte boundary the filter and the bias with each value in 4 lanes
  const taps = kh * kw
  const wAt = Math.ceil(taps / 4) * 4
  const prep = scratch(backend, wAt + (taps + 1) * co * 4)
  const p = f32(backend, prep.info)
  const offsets = new Int32Array(p.buffer, p.byteOffset, taps)
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) offsets[ky * kw + kx] = (ky * dh * wp + kx * dwl) * 4
  const ws = f32(backend, w)
  for (let i = 0; i < taps * co; i++) p.fill(ws[i]!, wAt + 4 * i, wAt + 4 * i + 4)
  if (bias) {
    const bs = f32(backend, bias)
    for (let c = 0; c < co; c++) p.fill(bs[c]!, wAt + 4 * (taps * co + c), wAt + 4 * (taps * co + c + 1))
  }
  const act = KERNEL_ACTIVATIONS[attrs['activation'] as keyof typeof KERNEL_ACTIVATIONS]
  // pooled: work items are pairs of output rows, and the 2 x 2 average pool of y comes out as well
  const pooled = attrs['pool'] === true ? backend.makeOutput([n, oh / 2, ow / 2, co], 'float32') : undefined
  const items = pooled ? (n * oh) / 2 : n * oh
  const args = [simd.ptr(xp), simd.ptr(prep.info), simd.ptr(y), hp, wp, oh, ow, co, taps, sh, wAt, act, pooled ? simd.ptr(pooled) : 0]
  simd.run('conv2dOneChannel', items, args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, ((n * oh) / items) * ((ow * co * taps) / 4))))
  prep.free()
  return pooled ? [y, pooled] : [y]
})

registerHeapKernel(POOL_TILES, ['x'], (backend, [x], attrs) => {
  const [kh, kw] = attrs['kernel'] as [number, number]
  const [n, h, w, c] = x.shape as [number, number, number, number]
  const [oh, ow] = [Math.floor(h / kh), Math.floor(w / kw)]
  const simd = simdOf(backend)
  const y = backend.makeOutput([n, oh, ow, c], 'float32')
  const tmp = scratch(backend, SLOTS * w * c)
  simd.run('poolTiles', n * oh, [simd.ptr(x), simd.ptr(y), simd.ptr(tmp.info), h, w, c, oh, ow, kh, kw, attrs['max'] ? 1 : 0], Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, kh * w * c)))
  tmp.free()
  return [y]
})

registerHeapKernel(CONV2D_INPUT_GRAD, ['dy', 'w'], (backend, [dy, w], attrs) => {
  const [kh, kw, ci, co] = w.shape as [number, number, number, number]
  const [n, h, wd] = attrs['inputShape'] as [number, number, number, number]
  const [sh, sw] = attrs['strides'] as [number, number]
  const [dh, dwl] = attrs['dilations'] as [number, number]
  const [, oh, ow] = dy.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const dx = backend.makeOutput([n, h, wd, ci], 'float32')
  // the filter as [KH, KW reversed, Co/4, Ci, 4]: per tap and quarter of the output channels, one vector per
  // input channel (Co zero-padded to a multiple of 4); kx reversed so that a row of taps reads it in dy's order
  const nq = Math.ceil(co / 4)
  const packed = scratch(backend, kh * kw * nq * ci * 4)
  const p = f32(backend, packed.info)
  const ws = f32(backend, w)
  for (let ky = 0; ky < kh; ky++)
    for (let kx = 0; kx < kw; kx++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++) p[(((ky * kw + kw - 1 - kx) * nq + (o >> 2)) * ci + c) * 4 + (o & 3)] = ws[((ky * kw + kx) * ci + c) * co + o]!
  const args = [simd.ptr(dy), simd.ptr(packed.info), simd.ptr(dx), n, h, wd, ci, oh, ow, co, kh, kw, sh, sw, dh, dwl, attrs['top'] as number, attrs['left'] as number]
  // work items are groups of four images (the kernel's widest tile), the last one partial
  simd.run('conv2dInputGrad', Math.ceil(n / 4), args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, (oh * ow * co * kh * kw) / 2)))
  packed.free()
  return [dx]
})

/** Bytes readable after the end of `t` in the heap (the filter-gradient kernel over-reads channel tails by up to 16). */
export const bytesAfter = (backend: WasmHeapBackend, t: tf.TensorInfo): number => {
  const simd = simdOf(backend)
  return simd.memory.buffer.byteLength - simd.ptr(t) - size(t.shape) * 4
}

/**
 * x [N,H,W,C] zero-padded so that every tap of an OH x OW output under geometry `g` reads inside it:
 * the SIMD convs read unchecked (taps past tfjs' own bottom/right pads read zeros, as the definition
 * says), plus `extraRight` columns of zeros. x itself when no padding is needed.
 * @example padForTaps(x, convGeometry(x.shape, [5, 5], 1, 'same', 1), 28, 28) // [N, 32, 32, C]
 */
export const padForTaps = (x: tf.Tensor4D, g: ConvGeometry, outH: number, outW: number, extraRight = 0): tf.Tensor4D => {
  const bottom = Math.max(0, (outH - 1) * g.stride[0] + (g.kH - 1) * g.dilation[0] + 1 - g.top - g.inH)
  const right = Math.max(0, (outW - 1) * g.stride[1] + (g.kW - 1) * g.dilation[1] + 1 - g.left - g.inW) + extraRight
  if (g.top + bottom + g.left + right === 0) return x
  return runHeapKernel(SPATIAL_PAD, { x }, { pads: [g.top, bottom, g.left, right] })[0] as tf.Tensor4D
}

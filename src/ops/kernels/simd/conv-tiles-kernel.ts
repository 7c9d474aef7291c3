/**
 * The SIMD conv2d forward over register tiles (assembly/conv-tiles.ts) as a tfjs kernel for the wasm
 * backend: the filter is packed in 8-channel panels once per call, then items of 4 output positions (or
 * of 2 x 2 pooling windows) are split over the two threads.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { registerHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SLOTS, type SimdBackend } from './module.js'
import { KERNEL_ACTIVATIONS, SPLIT_MIN_ELEMENTS, simdOf } from './kernels.js'

/**
 * xp [N,HP,WP,Ci] (padded so that every tap reads inside it), w [KH,KW,Ci,Co], bias [Co] (attrs outShape
 * [N,OH,OW,Co], strides, dilations, activation, pool) -> y = activation(conv + bias), and with `pool` (OH
 * and OW even) also y's 2 x 2 average pool [N,OH/2,OW/2,Co].
 */
export const CONV2D_TILES = 'TypegradConv2DTiles'

registerHeapKernel(CONV2D_TILES, ['xp', 'w', 'bias'], (backend: WasmHeapBackend, [xp, w, bias], attrs) => {
  const [kh, kw, ci, co] = w!.shape as [number, number, number, number]
  const [sh, sw] = attrs['strides'] as [number, number]
  const [dh, dwl] = attrs['dilations'] as [number, number]
  const [n, oh, ow] = attrs['outShape'] as [number, number, number, number]
  const [, hp, wp] = xp!.shape as [number, number, number, number]
  const simd = simdOf(backend)
  const y = backend.makeOutput([n, oh, ow, co], 'float32')
  const k = kh * kw * ci
  const co8 = Math.ceil(co / 8)
  const packed: tf.TensorInfo = backend.makeOutput([co8 * k * 8], 'float32')
  const windows: tf.TensorInfo = backend.makeOutput([SLOTS * (k + 3) * 4], 'float32')
  simd.run('gemmPackB', co8, [simd.ptr(w!), simd.ptr(packed), k, co, 0], co8 + 1)
  const act = KERNEL_ACTIVATIONS[attrs['activation'] as keyof typeof KERNEL_ACTIVATIONS]
  // pooled: an item is a 2 x 2 window, and y's average pool comes out as well
  const pooled = attrs['pool'] === true ? backend.makeOutput([n, oh / 2, ow / 2, co], 'float32') : undefined
  const items = pooled ? (n * oh * ow) / 4 : Math.ceil((n * oh * ow) / 4)
  const args = [simd.ptr(xp!), simd.ptr(packed), bias ? simd.ptr(bias) : 0, simd.ptr(y), simd.ptr(windows), n, hp, wp, ci, oh, ow, co, kh, kw, sh, sw, dh, dwl, act, pooled ? simd.ptr(pooled) : 0]
  simd.run('conv2dTiles', items, args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, (co * k) / 2)))
  for (const t of [packed, windows]) (backend as unknown as SimdBackend).disposeData(t.dataId, true)
  return pooled ? [y, pooled] : [y]
})

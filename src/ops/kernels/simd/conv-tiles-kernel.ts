/**
 * The SIMD conv2d forward over register tiles (assembly/conv-tiles.ts) as a tfjs kernel for the wasm
 * backend: the filter is packed in 8-channel panels once per call, then panels of 4 output positions are
 * split over the two threads.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { registerHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SLOTS, type SimdBackend } from './module.js'
import { KERNEL_ACTIVATIONS, SPLIT_MIN_ELEMENTS, simdOf } from './kernels.js'

/**
 * xp [N,HP,WP,Ci] (padded so that every tap reads inside it), w [KH,KW,Ci,Co], bias [Co] (attrs outShape
 * [N,OH,OW,Co], strides, dilations, activation) -> activation(conv + bias).
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
  const panels = Math.ceil((n * oh * ow) / 4)
  const args = [simd.ptr(xp!), simd.ptr(packed), bias ? simd.ptr(bias) : 0, simd.ptr(y), simd.ptr(windows), n, hp, wp, ci, oh, ow, co, kh, kw, sh, sw, dh, dwl, act]
  simd.run('conv2dTiles', panels, args, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, (co * k) / 2)))
  for (const t of [packed, windows]) (backend as unknown as SimdBackend).disposeData(t.dataId, true)
  return [y]
})

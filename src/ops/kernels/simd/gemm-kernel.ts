/**
 * The SIMD dense matrix product as a tfjs kernel for the wasm backend (assembly/gemm.ts): B is packed
 * into 8-column panels once per call, then row panels of 4 are split over the two threads.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { registerHeapKernel, type WasmHeapBackend } from '../wasm-heap.js'
import { SLOTS, type SimdBackend } from './module.js'
import { KERNEL_ACTIVATIONS, simdOf } from './kernels.js'

/**
 * a [M,K] (or [K,M] with transposeA), b [K,N] (or [N,K] with transposeB), optional bias [N] (attrs
 * transposeA, transposeB, activation) -> activation(a b + bias) [M,N].
 */
export const GEMM = 'TypegradGemm'

/** Multiply-adds below which a product stays on one thread. */
const SPLIT_MIN_MACS = 1 << 17

/** An uninitialized float32 heap buffer (the kernels write all of it before reading), freed by `free`. */
const buffer = (backend: WasmHeapBackend, size: number): { info: tf.TensorInfo; free: () => void } => {
  const info = backend.makeOutput([size], 'float32')
  return { info, free: () => void (backend as unknown as SimdBackend).disposeData(info.dataId, true) }
}

registerHeapKernel(GEMM, ['a', 'b', 'bias'], (backend, [a, b, bias], attrs) => {
  const ta = attrs['transposeA'] === true
  const tb = attrs['transposeB'] === true
  const [m, k] = (ta ? [a!.shape[1], a!.shape[0]] : a!.shape) as [number, number]
  const n = (tb ? b!.shape[0] : b!.shape[1]) as number
  const simd = simdOf(backend)
  const c = backend.makeOutput([m, n], 'float32')
  const n8 = Math.ceil(n / 8)
  const m4 = Math.ceil(m / 4)
  const packed = buffer(backend, n8 * k * 8)
  const rows = buffer(backend, SLOTS * k * 4)
  simd.run('gemmPackB', n8, [simd.ptr(b!), simd.ptr(packed.info), k, n, tb ? 1 : 0], n8 + 1)
  const act = KERNEL_ACTIVATIONS[attrs['activation'] as keyof typeof KERNEL_ACTIVATIONS]
  const args = [simd.ptr(a!), simd.ptr(packed.info), simd.ptr(c), bias ? simd.ptr(bias) : 0, simd.ptr(rows.info), m, k, n, ta ? 1 : 0, act]
  simd.run('gemm', m4, args, m * n * k >= SPLIT_MIN_MACS ? 2 : m4 + 1)
  packed.free()
  rows.free()
  return [c]
})

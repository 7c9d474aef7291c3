/**
 * Batches gathered from grey-level bytes on the heap (assembly/gather.ts) as a tfjs kernel for the wasm
 * backend: rows split over the two threads.
 */
import { registerHeapKernel } from '../wasm-heap.js'
import { SPLIT_MIN_ELEMENTS, simdOf } from './kernels.js'

/**
 * bytes (an int32 tensor holding the bytes, 4 per element), idx int32 [size] (attrs per: bytes per row)
 * -> float32 [size, per] = the rows idx of the bytes viewed as [n, per], each byte / 255.
 */
export const GATHER_BYTES = 'TypegradGatherBytes'

registerHeapKernel(GATHER_BYTES, ['bytes', 'idx'], (backend, [bytes, idx], attrs) => {
  const per = attrs['per'] as number
  const size = idx!.shape[0] as number
  const simd = simdOf(backend)
  const out = backend.makeOutput([size, per], 'float32')
  simd.run('gatherBytes', size, [simd.ptr(bytes!), simd.ptr(idx!), simd.ptr(out), per], Math.ceil(SPLIT_MIN_ELEMENTS / per))
  return [out]
})

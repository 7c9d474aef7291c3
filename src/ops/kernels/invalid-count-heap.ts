/**
 * invalidCount in one SIMD pass on tfjs-backend-wasm's heap (simd/assembly countInvalid): the training
 * step checks every batch, so the check must cost nothing measurable (tfjs-wasm would run sub, equal,
 * cast and sum as four passes with temporaries).
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { OpAttrs } from '../../ir/ops.js'
import { SLOTS, simdOn } from './simd/module.js'
import { f32, registerHeapKernel, runHeapKernel } from './wasm-heap.js'

const INVALID_COUNT = 'TypegradInvalidCountHeap'
/** Elements per work item of the SIMD kernel (its BLOCK). */
const BLOCK = 4096

registerHeapKernel(INVALID_COUNT, ['x'], (backend, [x], attrs) => {
  const simd = simdOn(backend)
  if (simd === undefined) throw new Error('invalidCount on the heap needs tfjs-backend-wasm')
  const out = backend.makeOutput([], 'float32')
  const len = x!.shape.reduce((a, b) => a * b, 1)
  const counts = backend.makeOutput([SLOTS], 'int32')
  const slots = backend.typedArrayFromHeap(counts) as Int32Array
  slots.fill(0)
  const classes = (attrs['classes'] as number | undefined) ?? 0
  // (a class range of 0 classes holds no label: every element is invalid)
  if (attrs['classes'] !== undefined && classes < 1) slots[0] = len
  else simd.run('countInvalid', Math.ceil(len / BLOCK), [simd.ptr(x!), simd.ptr(counts), len, classes, x!.dtype === 'float32' ? 1 : 0], 16)
  const bad = (backend.typedArrayFromHeap(counts) as Int32Array).reduce((a, b) => a + b, 0)
  f32(backend, out)[0] = bad
  ;(backend as unknown as { disposeData(id: object, force: boolean): void }).disposeData(counts.dataId, true)
  return [out]
})

/**
 * The number of invalid elements of `x` (see the op's attrs), on the wasm backend; x float32 or int32.
 * @example invalidCountHeap(labels, { check: 'classRange', classes: 10 }) // scalar: labels outside 0..9
 */
export const invalidCountHeap = (x: tf.Tensor, a: OpAttrs['invalidCount']): tf.Tensor =>
  runHeapKernel(INVALID_COUNT, { x }, a.check === 'classRange' ? { classes: a.classes } : {})[0]!

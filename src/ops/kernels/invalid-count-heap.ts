/**
 * invalidCount in one pass on tfjs-backend-wasm's heap: the training step checks every batch, so the check
 * must cost nothing measurable (tfjs-wasm would run sub, equal, cast and sum as four passes with temporaries).
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { OpAttrs } from '../../ir/ops.js'
import { registerHeapKernel, runHeapKernel } from './wasm-heap.js'

const INVALID_COUNT = 'TypegradInvalidCountHeap'

registerHeapKernel(INVALID_COUNT, ['x'], (backend, [x], attrs) => {
  const out = backend.makeOutput([], 'float32')
  const xs = backend.typedArrayFromHeap(x!)
  let bad = 0
  if (attrs['classes'] === undefined) {
    // x - x is 0 exactly when x is finite
    for (let i = 0; i < xs.length; i++) bad += +(xs[i]! - xs[i]! !== 0)
  } else {
    const classes = attrs['classes'] as number
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]!
      bad += +!(v >= 0 && v < classes && v === Math.floor(v))
    }
  }
  ;(backend.typedArrayFromHeap(out) as Float32Array)[0] = bad
  return [out]
})

/**
 * The number of invalid elements of `x` (see the op's attrs), on the wasm backend.
 * @example invalidCountHeap(labels, { check: 'classRange', classes: 10 }) // scalar: labels outside 0..9
 */
export const invalidCountHeap = (x: tf.Tensor, a: OpAttrs['invalidCount']): tf.Tensor =>
  runHeapKernel(INVALID_COUNT, { x }, a.check === 'classRange' ? { classes: a.classes } : {})[0]!

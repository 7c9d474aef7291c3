/**
 * invalidCount: how many elements of x are invalid, a float32 scalar [] (no gradient). Training steps
 * output these counts beside their metrics, so bad batches are found with the metrics' one read, not by
 * a host check per batch. On wasm it is one pass over the heap (four tfjs ops with temporaries otherwise).
 */
import * as tf from '@tensorflow/tfjs-core'
import { onWasm } from './kernels/wasm-heap.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { OpAttrs } from '../ir/ops.js'
import { invalidCountHeap } from './kernels/invalid-count-heap.js'
import { zeroGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { cannot } from './shared/onnx.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, ok } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** 'nonFinite': NaN or ±Infinity; 'classRange': not a class label in 0..classes-1. */
    invalidCount: { readonly check: 'nonFinite' } | { readonly check: 'classRange'; readonly classes: number }
  }
}

/**
 * The number of invalid elements of `x` (NaN/±Infinity, or not a class in 0..classes-1), as a float32 scalar.
 * @example invalidCount(tf.tensor1d([1, NaN, Infinity]), { check: 'nonFinite' }) // 2
 */
export const invalidCount = (x: tf.Tensor, a: OpAttrs['invalidCount']): tf.Tensor =>
  // only ops every backend has (wasm has no IsFinite kernel): x - x is 0 exactly when x is finite
  tf.tidy(() => {
    const count = (t: tf.Tensor) => tf.sum(tf.cast(t, 'float32'))
    if (a.check === 'nonFinite') return tf.sub(x.size, count(tf.equal(tf.sub(x, x), 0)))
    const outside = tf.add(count(tf.less(x, 0)), count(tf.greaterEqual(x, a.classes)))
    return x.dtype === 'int32' ? outside : tf.add(outside, count(tf.notEqual(x, tf.floor(x))))
  })

/**
 * invalidCount.
 * @example mk('invalidCount', [labels], { check: 'classRange', classes: 10 }) // []
 */
export const invalidCountOps = {
  invalidCount: {
    shape: (i) => pipe(arity('invalidCount', i, 1), E.chain(() => ok([]))),
    // a count of bad values is piecewise constant
    grad: zeroGrad,
    eval: ([x], a) => invalidCount(x!, a),
    lower: {
      default: ([x], a) => invalidCount(x!, a),
      wasm: ([x], a) => (onWasm() && (x!.dtype === 'float32' || x!.dtype === 'int32') ? invalidCountHeap(x!, a) : invalidCount(x!, a)),
    },
    layout: inOriginalLayout,
    fold: noFold,
    simplify: noSimplify,
    canonical: asWritten,
    onnx: cannot('a check of training data; export the logits'),
  },
} satisfies OpFamily<'invalidCount'>

/**
 * maxPool2d ([N,C,H,W] -> [N,C,H',W'], padding never wins) and its gradient primitive maxPool2dGrad
 * (inputs (dy, x, y)), which sends each window's gradient to its first maximal element (row-major), as
 * PyTorch does. On wasm it runs as one pass over the wasm heap (tfjs-wasm's MaxPoolGrad drops windows
 * whose values are all <= 0); tfjs's MaxPoolGrad (which also picks the first maximum) serves elsewhere
 * when there is no padding, a composition of tfjs ops otherwise.
 */
import * as tf from '@tensorflow/tfjs-core'
import { onWasm } from './kernels/wasm-heap.js'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { maxPool2dGrad } from './kernels/index.js'
import { maxPool2dGradHeap } from './kernels/max-pool2d-grad-heap.js'
import type { PoolAttrs } from './shared/attrs.js'
import { noGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import type { Plain } from './shared/eval.js'
import { gradientPrimitive } from './shared/onnx.js'
import type { Lowering } from './shared/lower.js'
import { kernelOf, onnxPool, poolLayout, poolShape, poolWindow, stridesOf, tiledWhereItApplies } from './shared/pool.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, gradShape } from './shared/shape-rules.js'
import { fromNhwc, padSpatial, tfPad, toNhwc, unpadded } from './shared/tensors.js'
import { offsets, patch, scatter, sumAll, unpadSpatial } from './shared/windows.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    maxPool2d: PoolAttrs
    /** dL/dx of maxPool2d: inputs (dy, x, y). */
    maxPool2dGrad: PoolAttrs
  }
}

const plain = { fold: noFold, simplify: noSimplify, canonical: asWritten, layout: poolLayout } as const

/** The reference gradient: per kernel offset, the windows whose max sits there and was not taken by an earlier offset. */
const referenceGrad = (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D => {
  const g = poolWindow(x.shape, a)
  const xp = padSpatial(x, a.pad, -Infinity)
  let taken = tf.cast(tf.zerosLike(y), 'bool')
  const parts = offsets(g).map(([i, j]) => {
    const wins = tf.logicalAnd(tf.equal(patch(xp, g, i, j), y), tf.logicalNot(taken))
    taken = tf.logicalOr(taken, wins)
    return scatter(tf.mul(dy, tf.cast(wins, 'float32')), g, i, j)
  })
  return unpadSpatial(sumAll(parts), g)
}

const composedGrad = (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D =>
  maxPool2dGrad(dy, x, y, kernelOf(a), stridesOf(a), tfPad(a.pad))

const gradIn =
  (f: (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs) => tf.Tensor4D): Plain<'maxPool2dGrad'> =>
  ([dy, x, y], a) =>
    fromNhwc(f(toNhwc(dy!, a.layout), toNhwc(x!, a.layout), toNhwc(y!, a.layout), a), a.layout)

/** tfjs's max pooling (padding as -Infinity). */
const maxPool: Lowering<'maxPool2d'> = ([x0], a) => {
  const x = toNhwc(x0!, a.layout)
  return fromNhwc(tf.maxPool(unpadded(a.pad) ? x : padSpatial(x, a.pad, -Infinity), kernelOf(a), stridesOf(a), 'valid'), a.layout)
}

/**
 * maxPool2d and maxPool2dGrad.
 * @example mk('maxPool2d', [x], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
 */
export const maxPool2dOps = {
  maxPool2d: {
    ...plain,
    shape: (i, a) => pipe(arity('maxPool2d', i, 1), E.chain(([x]) => poolShape('maxPool2d', x!.shape, a))),
    grad: (y, dy) => [mk('maxPool2dGrad', [dy, y.inputs[0]!, y], y.attrs)],
    eval: ([x], a) => fromNhwc(tf.maxPool(padSpatial(toNhwc(x!, a.layout), a.pad, -Infinity), kernelOf(a), stridesOf(a), 'valid'), a.layout),
    lower: { default: maxPool, wasm: tiledWhereItApplies(true, maxPool) },
    onnx: (ins, a, cx) => E.right(onnxPool(cx.b, 'MaxPool', ins[0]!, a)),
  },
  maxPool2dGrad: {
    ...plain,
    shape: (i, a) => pipe(arity('maxPool2dGrad', i, 3), E.chain(([dy, x]) => gradShape('maxPool2dGrad', x!.shape, dy!.shape, poolShape('maxPool2d', x!.shape, a)))),
    grad: noGrad('second derivatives of convolutions and pooling are not supported'),
    eval: gradIn(referenceGrad),
    lower: {
      default: gradIn((dy, x, y, a) =>
        unpadded(a.pad)
          ? (tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: kernelOf(a), strides: stridesOf(a), pad: 'valid' }) as tf.Tensor4D)
          : composedGrad(dy, x, y, a),
      ),
      wasm: gradIn((dy, x, y, a) => (onWasm() && x.dtype === 'float32' ? maxPool2dGradHeap(dy, x, kernelOf(a), stridesOf(a), a.pad) : composedGrad(dy, x, y, a))),
    },
    onnx: gradientPrimitive,
  },
} satisfies OpFamily<'maxPool2d' | 'maxPool2dGrad'>
